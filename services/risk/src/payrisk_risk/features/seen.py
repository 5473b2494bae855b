"""The transaction ids already counted, so that scoring one twice (a retry, a replay) counts it once.

Ids are kept as their 64-bit hashes (hashing.py) in two generations of sorted arrays (8 bytes per id, vectorised lookups)
plus a small sorted array of the newest; at least `capacity / 2` of the most recent ids are always remembered.
"""

from __future__ import annotations

import numpy as np

from .columns import Bools, Ints

_TAIL = 65_536


class SeenIds:
    def __init__(self, capacity: int) -> None:
        self._generation_size = max(1, capacity // 2)
        self._previous: Ints = np.zeros(0, dtype=np.int64)
        self._current: Ints = np.zeros(0, dtype=np.int64)
        self._tail: Ints = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._previous) + len(self._current) + len(self._tail)

    def add_new(self, hashes: Ints) -> Bools:
        """Marks each id (by its hash) as seen; True where this is its first sighting (also within the batch)."""
        if len(hashes) == 1:
            new = ~self._contains(hashes)
        else:
            _, first = np.unique(hashes, return_index=True)
            new = np.zeros(len(hashes), dtype=np.bool_)
            new[first] = True
            new &= ~self._contains(hashes)
        self._tail = _merged(self._tail, np.sort(hashes[new]))
        if len(self._tail) >= _TAIL:
            self._merge_tail()
        return new

    def _contains(self, hashes: Ints) -> Bools:
        found: Bools = (
            _in_sorted(self._current, hashes)
            | _in_sorted(self._previous, hashes)
            | _in_sorted(self._tail, hashes)
        )
        return found

    def _merge_tail(self) -> None:
        self._current = _merged(self._current, self._tail)
        self._tail = np.zeros(0, dtype=np.int64)
        if len(self._current) >= self._generation_size:
            self._previous, self._current = self._current, np.zeros(0, dtype=np.int64)


def _merged(into: Ints, fresh: Ints) -> Ints:
    """Two sorted arrays as one (a linear merge, not a sort of the whole)."""
    if len(fresh) == 0:
        return into
    merged: Ints = np.empty(len(into) + len(fresh), dtype=np.int64)
    # Each fresh value goes before the stored ones not below it, after the fresh ones before it.
    at = np.searchsorted(into, fresh) + np.arange(len(fresh))
    stored = np.ones(len(merged), dtype=np.bool_)
    stored[at] = False
    merged[at] = fresh
    merged[stored] = into
    return merged


def _in_sorted(haystack: Ints, needles: Ints) -> Bools:
    if len(haystack) == 0:
        return np.zeros(len(needles), dtype=np.bool_)
    at = np.minimum(np.searchsorted(haystack, needles), len(haystack) - 1)
    found: Bools = haystack[at] == needles
    return found
