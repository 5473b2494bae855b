"""Items sorted by (group, value), answering which of a group's items have a value within a range.

Many range queries are answered at once with two binary searches each: the key of an item is its group
times a stride plus its value scaled into [0, 1], so a range clipped to [-0.5, 1.5] never reaches a
neighbouring group.
"""

from __future__ import annotations

import numpy as np

from .arrays import Floats, Ints

_STRIDE = 4.0


class SortedIndex:
    def __init__(self, group: Ints, value: Floats) -> None:
        self.order: Ints = np.lexsort((value, group)).astype(np.int64)
        self._low = float(value.min()) if len(value) else 0.0
        self._span = max(float(value.max()) - self._low, 1e-9) if len(value) else 1.0
        self._keys = group[self.order] * _STRIDE + (value[self.order] - self._low) / self._span

    def _key(self, group: Ints, value: Floats) -> Floats:
        scaled = np.clip((value - self._low) / self._span, -0.5, 1.5)
        keys: Floats = group * _STRIDE + scaled
        return keys

    def bounds(self, group: Ints, low: Floats, high: Floats) -> tuple[Ints, Ints]:
        """Per query, the positions [start, stop) in `order` of the group's items with low <= value <= high.

        Unknown groups (negative) match nothing.
        """
        start = np.searchsorted(self._keys, self._key(group, low), side="left").astype(np.int64)
        stop = np.searchsorted(self._keys, self._key(group, high), side="right").astype(np.int64)
        stop = np.where((group < 0) | (stop < start), start, stop)
        return start, stop

    def count(self, group: Ints, low: Floats, high: Floats) -> Floats:
        start, stop = self.bounds(group, low, high)
        counts: Floats = (stop - start).astype(np.float64)
        return counts
