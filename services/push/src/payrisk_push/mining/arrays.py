"""Array types, and tables whose rows grow as new merchants, payers and words appear."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Floats32 = npt.NDArray[np.float32]
# Either precision.
AnyFloats = npt.NDArray[np.floating[Any]]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


class Rows:
    """A 2-D (or 1-D) array of running sums whose number of rows grows; capacity doubles, so growth is cheap."""

    def __init__(self, columns: int | None, dtype: Any = np.float64) -> None:
        shape = (16,) if columns is None else (16, columns)
        self._data: npt.NDArray[Any] = np.zeros(shape, dtype=dtype)
        self.count = 0

    def ensure(self, rows: int) -> None:
        if rows > len(self._data):
            grown = np.zeros((max(rows, 2 * len(self._data)), *self._data.shape[1:]), dtype=self._data.dtype)
            grown[: self.count] = self._data[: self.count]
            self._data = grown
        self.count = max(self.count, rows)

    @property
    def values(self) -> npt.NDArray[Any]:
        """The live rows (a view: writes go to the table)."""
        return self._data[: self.count]

    def add(self, rows: Ints, values: npt.NDArray[Any]) -> None:
        """Adds values[i] to row rows[i] (rows may repeat)."""
        if values.ndim == 1:
            np.add.at(self._data, rows, values)
            return
        # One bincount per column beats np.add.at on 2-D rows by an order of magnitude.
        touched, inverse = np.unique(rows, return_inverse=True)
        sums = np.empty((len(touched), values.shape[1]))
        for column in range(values.shape[1]):
            sums[:, column] = np.bincount(inverse, weights=values[:, column], minlength=len(touched))
        self._data[touched] += sums.astype(self._data.dtype, copy=False)

    def add_pairs(self, rows: Ints, columns: Ints, weights: npt.NDArray[Any] | None = None) -> None:
        """Adds `weights` (1 each when None) at (rows[i], columns[i])."""
        np.add.at(self._data, (rows, columns), 1.0 if weights is None else weights)

    @classmethod
    def of(cls, values: npt.NDArray[Any]) -> Rows:
        rows = cls(None if values.ndim == 1 else values.shape[1], values.dtype)
        rows.ensure(len(values))
        rows._data[: len(values)] = values
        return rows
