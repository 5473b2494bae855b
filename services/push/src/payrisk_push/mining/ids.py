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
        rows = self._rows
        # Most values are known: looked up in one pass at C speed, and only the new ones numbered one by one.
        numbered = list(map(rows.get, values))
        if None in numbered:
            for i, value in enumerate(values):
                if numbered[i] is None:
                    row = rows.get(value)
                    if row is None:
                        row = rows[value] = len(self.ids)
                        self.ids.append(value)
                    numbered[i] = row
        return np.array(numbered, dtype=np.int64)

    def row(self, value: str) -> int | None:
        return self._rows.get(value)
