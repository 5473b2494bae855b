"""Entity ids to array slots, for at most `capacity` entities; the least recently used are forgotten first.

Several kinds of entity share the slots (each kind has its own ids), so one set of arrays serves them all.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import numba
import numpy as np
import numpy.typing as npt

from . import hashing
from .columns import Ints
from .kernel import PREFETCH_AHEAD, _prefetch

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


class HashedKeyTable:
    """KeyTable's compiled twin: ids known by their hashes (hashing.py), looked up in an open-addressing
    table by one compiled loop per batch. It hands out, reuses and evicts slots exactly as KeyTable does
    (the same free list, the same least-recently-used choice), so the two give the same features; the tests
    hold them to that.
    """

    def __init__(self, capacity: int, kinds: int) -> None:
        self.capacity = capacity
        self.kinds = kinds
        # Room for every remembered entity plus one batch's newcomers, at most half full when the state is.
        size = 1 << max(11, (2 * capacity + 2).bit_length())
        self._cells = np.full((size, 2), EMPTY, dtype=np.int64)  # (key, slot) side by side: one cache line
        self._keys: Ints = np.zeros(0, dtype=np.int64)  # slot -> its key in the table, to forget it
        self._free = np.zeros(0, dtype=np.int64)  # a stack: the last one is handed out first
        self._free_count = 0
        self._last_used: Ints = np.zeros(0, dtype=np.int64)
        self._owned: npt.NDArray[np.bool_] = np.zeros(0, dtype=np.bool_)
        self._count = 0
        self._tick = 0
        self._on_grow: list[Callable[[int], None]] = []
        self._on_forget: list[Callable[[Ints], None]] = []
        self._grow(1)

    @property
    def allocated(self) -> int:
        return len(self._last_used)

    def __len__(self) -> int:
        return self._count

    def watch(self, on_grow: Callable[[int], None], on_forget: Callable[[Ints], None]) -> None:
        self._on_grow.append(on_grow)
        self._on_forget.append(on_forget)
        on_grow(self.allocated)

    def slots(self, hashes: Ints, rows_per_kind: int) -> Ints:
        """The slot of each id hash (kind-major, `rows_per_kind` per kind), given one if new; NO_SLOT for
        NO_ID."""
        self._tick += 1
        limit = self.capacity + 1  # more newcomers than that cannot fit whatever is evicted
        result, newcomers = _find(
            self._cells, hashes, rows_per_kind, self._last_used, self._tick, limit, hashing.KEY0, hashing.KEY1
        )
        if newcomers:
            if newcomers > self._free_count:
                self._grow(newcomers - self._free_count)
            shortfall = newcomers - self._free_count
            if shortfall > 0:
                try:
                    self._evict(max(shortfall, int(self.capacity * EVICT_SHARE)))
                    if newcomers > self._free_count:
                        raise OverflowError(f"more than {self.capacity} distinct entities in one batch")
                except OverflowError:
                    _drop_pending(self._cells)
                    raise
            self._free_count = _assign(
                self._cells, hashes, rows_per_kind, result, self._free, self._free_count, self._keys,
                self._owned, self._last_used, self._tick, hashing.KEY0, hashing.KEY1,
            )  # fmt: skip
            self._count += newcomers
        return result

    def _grow(self, needed: int) -> None:
        old = self.allocated
        if old >= self.capacity:
            return
        new = min(self.capacity, max(INITIAL_SLOTS, old * 2, old + needed))
        self._last_used = np.concatenate([self._last_used, np.zeros(new - old, dtype=np.int64)])
        self._owned = np.concatenate([self._owned, np.zeros(new - old, dtype=np.bool_)])
        self._keys = np.concatenate([self._keys, np.zeros(new - old, dtype=np.int64)])
        free = np.zeros(new, dtype=np.int64)
        free[: self._free_count] = self._free[: self._free_count]
        free[self._free_count : self._free_count + new - old] = np.arange(new - 1, old - 1, -1)
        self._free, self._free_count = free, self._free_count + new - old
        for grow in self._on_grow:
            grow(new)

    def _evict(self, count: int) -> None:
        # As KeyTable._evict, on the same arrays, so that the same slots go.
        candidates = np.flatnonzero(self._owned & (self._last_used < self._tick))
        count = min(count, len(candidates))
        if count <= 0:
            raise OverflowError(f"more than {self.capacity} distinct entities in one batch")
        oldest = candidates[np.argpartition(self._last_used[candidates], count - 1)[:count]]
        _remove(self._cells, self._keys[oldest])
        self._owned[oldest] = False
        self._count -= len(oldest)
        self._free[self._free_count : self._free_count + len(oldest)] = oldest
        self._free_count += len(oldest)
        for forget in self._on_forget:
            forget(oldest)


# Cell states (the slot column): empty, or a newcomer of this batch waiting for its slot.
EMPTY = -1
PENDING = -2


@numba.njit(inline="always")
def _home(key: int, mask: int) -> int:  # pragma: no cover - compiled
    return key & mask


@numba.njit(inline="always")
def _probe(cells: Ints, key: int, mask: int) -> int:  # pragma: no cover - compiled
    """The cell holding `key`, or the empty cell where it would go."""
    i = _home(key, mask)
    while cells[i, 1] != EMPTY and cells[i, 0] != key:
        i = (i + 1) & mask
    return i


NEWCOMER = -2


@numba.njit(nogil=True, cache=True)
def _find(
    cells: Ints, hashes: Ints, rows_per_kind: int, last_used: Ints, tick: int, limit: int, k0: int, k1: int
) -> tuple[Ints, int]:  # pragma: no cover - compiled
    """Each row's slot (NO_SLOT without an id, NEWCOMER for an id not known yet), the known ones marked used
    now; and how many distinct newcomers there are (at most `limit`), each left waiting in the table."""
    mask = len(cells) - 1
    n = len(hashes)
    keys = np.empty(n, dtype=np.int64)
    for r in range(n):
        if hashes[r] != hashing.NO_ID:
            keys[r] = hashing.hash_pair(r // rows_per_kind, hashes[r], k0, k1)
    result = np.empty(n, dtype=np.int64)
    newcomers = 0
    flat = cells.reshape(-1)
    for r in range(n):
        # The table is big and the keys random: each row's cell is asked for a few rows ahead.
        if r + PREFETCH_AHEAD < n and hashes[r + PREFETCH_AHEAD] != hashing.NO_ID:
            _prefetch(flat, 2 * _home(keys[r + PREFETCH_AHEAD], mask))
        if hashes[r] == hashing.NO_ID:
            result[r] = NO_SLOT
            continue
        key = keys[r]
        i = _probe(cells, key, mask)
        slot = cells[i, 1]
        if slot >= 0:
            result[r] = slot
            last_used[slot] = tick
            continue
        if slot == EMPTY:
            if newcomers == limit:
                result[r] = NO_SLOT  # the batch cannot fit: the caller raises before using this
                continue
            cells[i, 0], cells[i, 1] = key, PENDING
            newcomers += 1
        result[r] = NEWCOMER
    return result, newcomers


@numba.njit(nogil=True, cache=True)
def _assign(
    cells: Ints,
    hashes: Ints,
    rows_per_kind: int,
    result: Ints,
    free: Ints,
    free_count: int,
    keys: Ints,
    owned: npt.NDArray[np.bool_],
    last_used: Ints,
    tick: int,
    k0: int,
    k1: int,
) -> int:  # pragma: no cover - compiled
    """Newcomers get free slots in order of first appearance; returns what is left on the free stack.

    Their keys are looked up again: an eviction since `_find` may have moved their cells."""
    mask = len(cells) - 1
    for r in range(len(result)):
        if result[r] != NEWCOMER:
            continue
        key = hashing.hash_pair(r // rows_per_kind, hashes[r], k0, k1)
        i = _probe(cells, key, mask)
        if cells[i, 1] == PENDING:
            free_count -= 1
            slot = free[free_count]
            cells[i, 1] = slot
            keys[slot] = key
            owned[slot] = True
            last_used[slot] = tick
        result[r] = cells[i, 1]
    return free_count


@numba.njit(nogil=True, cache=True)
def _remove(cells: Ints, keys: Ints) -> None:  # pragma: no cover - compiled
    """Deletes keys, shifting later cells of their probe run back (no tombstones)."""
    mask = len(cells) - 1
    for key in keys:
        i = _probe(cells, key, mask)
        if cells[i, 1] == EMPTY:
            continue
        j = i
        while True:
            j = (j + 1) & mask
            if cells[j, 1] == EMPTY:
                break
            home = _home(cells[j, 0], mask)
            # Cell j may move to i only if its home is not cyclically within (i, j].
            if (i <= j and (home <= i or home > j)) or (i > j and home <= i and home > j):
                cells[i, 0], cells[i, 1] = cells[j, 0], cells[j, 1]
                i = j
        cells[i, 1] = EMPTY


@numba.njit(nogil=True, cache=True)
def _drop_pending(cells: Ints) -> None:  # pragma: no cover - compiled
    pending = []
    for i in range(len(cells)):
        if cells[i, 1] == PENDING:
            pending.append(cells[i, 0])
    _remove(cells, np.array(pending, dtype=np.int64))
