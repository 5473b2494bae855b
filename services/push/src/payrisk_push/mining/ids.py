"""Ids (merchants, payers, devices, category codes) numbered in order of first sight: rows of the tables."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .arrays import Ints


class Ids:
    def __init__(self, ids: Sequence[str] = ()) -> None:
        self.ids: list[str] = list(ids)
        self._rows = {value: row for row, value in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, values: Sequence[str]) -> Ints:
        """The row of each value, numbering the new ones."""
        rows, known = self._rows, len(self.ids)
        numbered = [rows.setdefault(v, len(rows)) for v in values]
        if len(rows) > known:
            self.ids.extend([""] * (len(rows) - known))
            for value, row in zip(values, numbered, strict=True):
                if row >= known:
                    self.ids[row] = value
        return np.array(numbered, dtype=np.int64)

    def row(self, value: str) -> int | None:
        return self._rows.get(value)
