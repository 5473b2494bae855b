"""Choosing a merchant by place and category, many at a time."""

from __future__ import annotations

import numpy as np

from .arrays import Ints, pick
from .catalog import CATEGORIES
from .places import PLACES


class _Buckets:
    """Members grouped by an integer key, drawn uniformly within a key."""

    def __init__(self, keys: Ints, members: Ints, n_keys: int) -> None:
        self._members: Ints = members[np.argsort(keys, kind="stable")]
        self.count: Ints = np.bincount(keys, minlength=n_keys).astype(np.int64)
        self._start: Ints = np.cumsum(self.count) - self.count

    def draw(self, rng: np.random.Generator, keys: Ints) -> Ints:
        """One member per key; every key must have members."""
        drawn: Ints = self._members[self._start[keys] + pick(rng, self.count[keys])]
        return drawn


class MerchantGroups:
    """Merchants open to ordinary business by (place, category), falling back to the category anywhere."""

    def __init__(self, category: Ints, place: Ints, eligible: Ints) -> None:
        self._n_categories = len(CATEGORIES)
        keys = place[eligible] * self._n_categories + category[eligible]
        self._local = _Buckets(keys, eligible, len(PLACES) * self._n_categories)
        self._anywhere = _Buckets(category[eligible], eligible, self._n_categories)

    def pick(self, rng: np.random.Generator, place: Ints, category: Ints) -> Ints:
        key = place * self._n_categories + category
        local = self._local.count[key] > 0
        chosen = np.empty(len(key), dtype=np.int64)
        chosen[local] = self._local.draw(rng, key[local])
        chosen[~local] = self._anywhere.draw(rng, category[~local])
        return chosen
