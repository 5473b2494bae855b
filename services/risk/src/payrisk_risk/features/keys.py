"""Entity ids to array slots, for at most `capacity` entities; the least recently used are forgotten first.

Several kinds of entity share the slots (each kind has its own ids), so one set of arrays serves them all.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import numpy as np
import numpy.typing as npt

from .columns import Ints

# Share of the table freed at once when it is full, so that eviction (a partial sort) stays rare.
EVICT_SHARE = 0.1
INITIAL_SLOTS = 1024
# Empty ids (no device, no payee) have no slot.
NO_SLOT = -1


class KeyTable:
    def __init__(self, capacity: int, kinds: int) -> None:
        self.capacity = capacity
        self._slots: list[dict[Hashable, int]] = [{} for _ in range(kinds)]
        # Slot -> (kind, key), to forget evicted entities.
        self._owners: list[tuple[int, Hashable] | None] = []
        self._free: list[int] = []
        # When each slot was last used, in calls to `slots` (a clock that only this table reads).
        self._last_used: Ints = np.zeros(0, dtype=np.int64)
        self._owned: npt.NDArray[np.bool_] = np.zeros(0, dtype=np.bool_)
        self._tick = 0
        # Told about growth (to resize) and about slots that now belong to someone else (to clear them).
        self._on_grow: list[Callable[[int], None]] = []
        self._on_forget: list[Callable[[Ints], None]] = []
        # Some slots from the start, so that a batch without any known entity still indexes something.
        self._grow(1)

    @property
    def allocated(self) -> int:
        return len(self._last_used)

    def __len__(self) -> int:
        return sum(len(d) for d in self._slots)

    def watch(self, on_grow: Callable[[int], None], on_forget: Callable[[Ints], None]) -> None:
        self._on_grow.append(on_grow)
        self._on_forget.append(on_forget)
        on_grow(self.allocated)

    def slots(self, keys: Sequence[Sequence[Hashable]]) -> Ints:
        """The slot of each key of each kind (kind-major), given one if new; NO_SLOT for empty keys."""
        self._tick += 1
        found: list[int] = []
        for kind, kind_keys in enumerate(keys):
            get = self._slots[kind].get
            found += [get(k, -2) if k else NO_SLOT for k in kind_keys]
        result = np.array(found, dtype=np.int64)
        missing = np.flatnonzero(result == -2)
        if len(missing):
            self._last_used[result[result >= 0]] = self._tick
            result[missing] = self._assign(keys, missing)
        self._last_used[result[result >= 0]] = self._tick
        return result

    def _assign(self, keys: Sequence[Sequence[Hashable]], missing: Ints) -> list[int]:
        sizes = np.cumsum([0, *(len(k) for k in keys)])
        kinds = np.searchsorted(sizes, missing, side="right") - 1
        offsets = missing - sizes[kinds]
        wanted = [(k, keys[k][o]) for k, o in zip(kinds.tolist(), offsets.tolist(), strict=True)]
        distinct = list(dict.fromkeys(wanted))
        shortfall = len(distinct) - len(self._free)
        if shortfall > 0:
            self._grow(shortfall)
        shortfall = len(distinct) - len(self._free)
        if shortfall > 0:
            self._evict(max(shortfall, int(self.capacity * EVICT_SHARE)))
        for kind, key in distinct:
            slot = self._free.pop()
            self._slots[kind][key] = slot
            self._owners[slot] = (kind, key)
            self._owned[slot] = True
        return [self._slots[kind][key] for kind, key in wanted]

    def _grow(self, needed: int) -> None:
        old = self.allocated
        if old >= self.capacity:
            return
        new = min(self.capacity, max(INITIAL_SLOTS, old * 2, old + needed))
        self._last_used = np.concatenate([self._last_used, np.zeros(new - old, dtype=np.int64)])
        self._owned = np.concatenate([self._owned, np.zeros(new - old, dtype=np.bool_)])
        self._owners.extend([None] * (new - old))
        self._free.extend(range(new - 1, old - 1, -1))
        for grow in self._on_grow:
            grow(new)

    def _evict(self, count: int) -> None:
        # Never the slots of the batch being looked up (they carry the current tick), nor free ones.
        candidates = np.flatnonzero(self._owned & (self._last_used < self._tick))
        count = min(count, len(candidates))
        if count <= 0:
            raise OverflowError(f"more than {self.capacity} distinct entities in one batch")
        oldest = candidates[np.argpartition(self._last_used[candidates], count - 1)[:count]]
        for slot in oldest.tolist():
            owner = self._owners[slot]
            assert owner is not None
            del self._slots[owner[0]][owner[1]]
            self._owners[slot] = None
        self._owned[oldest] = False
        self._free.extend(oldest.tolist())
        for forget in self._on_forget:
            forget(oldest)
