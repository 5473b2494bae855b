"""Time-window sums per entity, in a ring of fixed-width time buckets (fixed memory per entity).

A ring of `cells` buckets of `bucket_us` each remembers the last `cells` buckets of every entity. A window
of k buckets at time t sums the buckets [b - k + 1, b], b being t's bucket: "1 hour" is the current
10-minute bucket and the five before it, "30 days" the current day and the 29 before.

Each cell holds one bucket; which one follows from the entity's latest bucket L: cell j holds the bucket
L - d(j), with d(j) = (L - j) mod cells its age relative to L. Advancing L clears the cells that fall out of
the ring, so no per-cell timestamps are stored. Events older than the ring are ignored; events in the past
of L but inside the ring (an offline bill synced late) land in their own bucket.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .batch import earlier_in_batch
from .columns import Bools, Ints
from .kernel import observe_ring

Values = npt.NDArray[np.float32]
NEVER = -(2**40)


@dataclass(frozen=True, slots=True)
class RingSpec:
    bucket_us: int
    cells: int
    # Window name -> number of buckets it spans (at most `cells`).
    windows: tuple[tuple[str, int], ...]


class Ring:
    def __init__(self, spec: RingSpec, channels: int, compiled: bool = True, capacity: int = 0) -> None:
        self.spec = spec
        self.channels = channels
        # The compiled loop (kernel.py), or the array code below: the reference it is held to.
        self.compiled = compiled
        # Room for `capacity` entities from the start, so that growing never copies: numpy's zeros are
        # pages the system hands out as they are first written, so the memory is only used as entities come.
        self._values: Values = np.zeros((capacity, spec.cells, channels), dtype=np.float32)
        self._latest: Ints = np.full(capacity, NEVER, dtype=np.int64)
        # Which cells a read or a write touches depends only on small numbers (the latest bucket modulo
        # `cells`, how far the row is from it), so the masks are looked up, not computed, per row.
        cells = spec.cells
        residue = np.arange(cells)[:, None]
        ages = (residue - np.arange(cells)[None, :]) % cells
        lags = np.arange(-cells - 1, cells + 2)
        behind = ages[:, None, :] + lags[None, :, None]
        self._inside = np.stack([(behind >= 0) & (behind < span) for _, span in spec.windows], axis=2).astype(
            np.float32
        )
        advances = np.arange(cells + 1)
        self._stale = ages[:, None, :] >= (cells - advances)[None, :, None]
        self._spans = np.array([span for _, span in spec.windows], dtype=np.int64)
        assert (np.diff(self._spans) >= 0).all(), "windows from the shortest to the longest"

    def buckets(self, times_us: Ints) -> Ints:
        result: Ints = times_us // self.spec.bucket_us
        return result

    def grow(self, size: int) -> None:
        old = len(self._latest)
        if size <= old:
            return
        values = np.zeros((size, self.spec.cells, self.channels), dtype=np.float32)
        values[:old] = self._values
        self._values = values
        self._latest = np.concatenate([self._latest, np.full(size - old, NEVER, dtype=np.int64)])

    def forget(self, slots: Ints) -> None:
        # Their cells now count as older than the ring: masked on reads, cleared on the next write.
        self._latest[slots] = NEVER

    def read(self, slots: Ints, buckets: Ints) -> dict[str, npt.NDArray[np.float64]]:
        """Per window, (n, channels) sums of the stored buckets inside each row's window.

        Buckets after a row's own are left out: a late row sees only what happened before it.
        """
        cells = self.spec.cells
        latest = self._latest[slots]
        # How far the row's bucket is past the entity's latest; beyond the ring either way, nothing counts.
        lag = np.clip(buckets - latest, -cells - 1, cells + 1) + cells + 1
        inside = self._inside[latest % cells, lag]
        sums = inside @ self._values[slots]
        return {name: sums[:, w].astype(np.float64) for w, (name, _) in enumerate(self.spec.windows)}

    def observe(
        self, slots: Ints, buckets: Ints, in_time_order: Ints, counted: Bools, values: Values
    ) -> dict[str, npt.NDArray[np.float64]]:
        """Per window, each row's sums as they stood just before it (NaN for negative slots); then the
        counted rows are added. Rows count one after another in time order."""
        if self.compiled:
            out = observe_ring(
                self._values, self._latest, slots, buckets, in_time_order, counted, values, self._spans
            )
            return {name: out[w] for w, (name, _) in enumerate(self.spec.windows)}
        spans = self._spans.tolist()
        known = slots >= 0
        safe = np.where(known, slots, 0)
        stored = self.read(safe, buckets)
        # A row older than its entity's ring is not kept, so later rows of the batch do not see it either.
        kept = counted & (buckets > self._latest[safe] - self.spec.cells)
        earlier = earlier_in_batch(slots, buckets, in_time_order, kept, values, spans)
        result = {}
        for (name, _), before in zip(self.spec.windows, earlier, strict=True):
            total = stored[name] + before
            total[~known] = np.nan
            result[name] = total
        self.add(slots[counted], buckets[counted], values[counted])
        return result

    def add(self, slots: Ints, buckets: Ints, values: Values) -> None:
        """Adds rows (slot, bucket, channel values); slots may repeat."""
        if len(slots) == 0:
            return
        cells = self.spec.cells
        touched, inverse = np.unique(slots, return_inverse=True)
        newest = np.full(len(touched), NEVER, dtype=np.int64)
        np.maximum.at(newest, inverse, buckets)
        old = self._latest[touched]
        advance = np.clip(newest - old, 0, cells)
        moving = np.flatnonzero(advance > 0)
        if len(moving):
            # Cells whose bucket falls out of the ring when the latest bucket moves on are cleared.
            rows, cols = np.nonzero(self._stale[old[moving] % cells, advance[moving]])
            self._values[touched[moving][rows], cols] = 0.0
        latest = np.maximum(old, newest)
        self._latest[touched] = latest
        keep = buckets > latest[inverse] - cells
        np.add.at(self._values, (slots[keep], buckets[keep] % cells), values[keep])
