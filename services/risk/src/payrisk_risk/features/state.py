"""The online feature state: every entity's time-window sums, updated from what is scored.

`observe` is the one way in, for scoring and for training alike: it returns each row's window sums as
they stood before the row (earlier rows of the same batch included), then counts the rows not counted
before. Thread-safe; one batch at a time.

The state runs compiled (ids by hash, hashing.py; keys.HashedKeyTable; kernel.py's loops) unless told
otherwise: the array version (keys.KeyTable on the ids themselves, rings.Ring's array code) is the reference
the compiled one is tested against.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .batch import time_order
from .columns import Bools, Columns, Floats, Ints
from .entities import DAYS, ENTITIES, EXTRA_CHANNELS, HOURS, RELATIONS, TEN_MINUTES, Kind, signals
from .keys import HashedKeyTable, KeyTable
from .rings import Ring, RingSpec, Values
from .seen import SeenIds


@dataclass(frozen=True, slots=True)
class StateLimits:
    """Most entities and relations remembered (beyond, the least recently seen are forgotten first), and
    most transaction ids remembered as already counted."""

    entities: int = 300_000
    relations: int = 500_000
    seen: int = 4_000_000


class _Table:
    """Kinds that share one key table and its rings; rows are (kind, transaction) pairs, kind-major."""

    def __init__(
        self, kinds: tuple[Kind, ...], rings: list[tuple[RingSpec, int]], capacity: int, compiled: bool
    ) -> None:
        self.kinds = kinds
        self.table = HashedKeyTable(capacity, len(kinds)) if compiled else KeyTable(capacity, len(kinds))
        self.rings = [Ring(spec, channels, compiled, capacity) for spec, channels in rings]
        for ring in self.rings:
            self.table.watch(ring.grow, ring.forget)

    def _slots(self, cols: Columns) -> Ints:
        if isinstance(self.table, HashedKeyTable):
            return self.table.slots(np.concatenate([kind.hashes(cols) for kind in self.kinds]), len(cols))
        return self.table.slots([kind.key(cols) for kind in self.kinds])

    def observe(self, cols: Columns, new: Bools, values: list[Values]) -> list[dict[str, Floats]]:
        """Per ring, window -> (kinds * n, channels) sums, NaN for rows without an entity of their kind."""
        slots = self._slots(cols)
        known = slots >= 0
        repeats = len(self.kinds)
        counted = _repeated(new, repeats) & known
        times = _repeated(cols.occurred_at_us, repeats)
        n = len(cols)
        by_time = time_order(cols.occurred_at_us)
        in_time_order = (by_time[None, :] + (np.arange(repeats) * n)[:, None]).reshape(-1)
        results = []
        for ring, ring_values in zip(self.rings, values, strict=True):
            buckets = ring.buckets(times)
            results.append(ring.observe(slots, buckets, in_time_order, counted, ring_values))
        return results


def _repeated(values: npt.NDArray[Any], times: int) -> npt.NDArray[Any]:
    """`values` `times` over, end to end (np.tile's result, without its cost on small arrays)."""
    return np.concatenate([values] * times)


class FeatureState:
    def __init__(self, limits: StateLimits, utc_offset_hours: float, compiled: bool = True) -> None:
        self.limits = limits
        self.utc_offset_hours = utc_offset_hours
        self._seen = SeenIds(limits.seen)
        daily = 2 + EXTRA_CHANNELS
        rings = [(TEN_MINUTES, 2), (HOURS, 2), (DAYS, daily)]
        self._entities = _Table(ENTITIES, rings, limits.entities, compiled)
        self._relations = _Table(RELATIONS, [(DAYS, 1)], limits.relations, compiled)
        self._lock = threading.Lock()

    def observe(self, cols: Columns) -> tuple[Windows, Bools]:
        """Every row's window sums as they stood just before it (NaN where the row has no such entity), and
        which rows were counted now (False for ids counted before)."""
        n = len(cols)
        signal = signals(cols, self.utc_offset_hours)
        # Kind-major rows, as the tables read them: every kind's rows carry count and amount, and its extras.
        by_kind = np.zeros((len(ENTITIES), n, 2 + EXTRA_CHANNELS), dtype=np.float32)
        by_kind[:, :, 0] = signal["count"]
        by_kind[:, :, 1] = signal["amount"]
        for i, kind in enumerate(ENTITIES):
            for c, channel in enumerate(kind.extras):
                by_kind[i, :, 2 + c] = signal[channel]
        daily = by_kind.reshape(len(ENTITIES) * n, 2 + EXTRA_CHANNELS)
        velocity = np.ascontiguousarray(daily[:, :2])
        met = np.ones((n * len(RELATIONS), 1), dtype=np.float32)
        with self._lock:
            new = self._seen.add_new(cols.transaction_id.hashes)
            ten_minutes, hours, days = self._entities.observe(cols, new, [velocity, velocity, daily])
            [relations] = self._relations.observe(cols, new, [met])
        return Windows(
            n, ten_minutes["1h"], hours["1d"], days["7d"], days["30d"], relations["7d"], relations["30d"]
        ), new

    def entities(self) -> dict[str, int]:
        """How many entities and relations are remembered."""
        return {"entities": len(self._entities.table), "relations": len(self._relations.table)}


@dataclass(frozen=True, slots=True)
class Windows:
    """A batch's window sums, kind-major as the tables produce them: entity rows (kind * n, channels) with
    channels count, amount and (7 and 30 days) the kind's extras; relation rows (kind * n, 1)."""

    n: int
    hour: Floats
    day: Floats
    week: Floats
    month: Floats
    relations_week: Floats
    relations_month: Floats

    def entity(self, kind: int, window: Floats, channel: int) -> Floats:
        column: Floats = window[kind * self.n : (kind + 1) * self.n, channel]
        return column

    def named(self) -> dict[str, Floats]:
        """Every sum by `<kind>_<channel>_<window>` (for reading them one by one: tests, diagnostics)."""
        named: dict[str, Floats] = {}
        for i, kind in enumerate(ENTITIES):
            for c, channel in enumerate(("count", "amount")):
                named[f"{kind.name}_{channel}_1h"] = self.entity(i, self.hour, c)
                named[f"{kind.name}_{channel}_1d"] = self.entity(i, self.day, c)
            for name, window in (("7d", self.week), ("30d", self.month)):
                for c, channel in enumerate(("count", "amount", *kind.extras)):
                    named[f"{kind.name}_{channel}_{name}"] = self.entity(i, window, c)
        for i, kind in enumerate(RELATIONS):
            named[f"{kind.name}_count_7d"] = self.relations_week[i * self.n : (i + 1) * self.n, 0]
            named[f"{kind.name}_count_30d"] = self.relations_month[i * self.n : (i + 1) * self.n, 0]
        return named

    def __getitem__(self, name: str) -> Floats:
        return self.named()[name]
