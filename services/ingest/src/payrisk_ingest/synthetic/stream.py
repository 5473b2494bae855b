"""The transactions of a data set as a stream of batches in time order, made a day at a time.

Memory stays flat: a day's transactions, and the rest of the episodes that started but have not ended.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .arrays import Ints
from .columns import TransactionColumns
from .config import DAY_US, HOUR_US, GeneratorConfig, Stream
from .legitimate import legitimate
from .plan import STEADY, Plan, make_plan
from .table import Lookups
from .world import World, build_world


@dataclass(frozen=True)
class TransactionBatch:
    world: World
    lookups: Lookups
    # Position of the first transaction in the whole stream, from 0.
    first_number: int
    columns: TransactionColumns

    def __len__(self) -> int:
        return len(self.columns)

    @property
    def numbers(self) -> Ints:
        numbers: Ints = np.arange(self.first_number, self.first_number + len(self), dtype=np.int64)
        return numbers

    @property
    def transaction_ids(self) -> list[str]:
        prefix = self.world.config.prefix
        return [f"{prefix}-t{n:09d}" for n in range(self.first_number, self.first_number + len(self))]


def _day(world: World, plan: Plan, day: int) -> list[TransactionColumns]:
    config = world.config
    rng = config.rng(Stream.DAY, day)
    start = config.start_us + day * DAY_US
    hour_starts = start + np.arange(24, dtype=np.int64) * HOUR_US
    parts = [legitimate(world, rng, hour_starts, plan.legitimate_per_hour[day])]
    parts += [
        make(world, rng, start, start + DAY_US, int(plan.steady_per_day[s][day]))
        for s, make in STEADY.items()
    ]
    return parts + [episode.transactions(world) for episode in plan.episodes_by_day[day]]


def _in_time_order(world: World, plan: Plan) -> Iterator[TransactionColumns]:
    """Each day's transactions; what episodes do after the day ends waits for its own day."""
    config = world.config
    later: list[TransactionColumns] = []
    for day in range(config.days):
        rows = TransactionColumns.concat(later + _day(world, plan, day)).in_time_order()
        cut = (
            len(rows)
            if day == config.days - 1
            else int(np.searchsorted(rows.occurred_at_us, config.start_us + (day + 1) * DAY_US))
        )
        later = [rows.take(np.arange(cut, len(rows)))]
        yield rows.take(np.arange(cut))


def _batched(chunks: Iterator[TransactionColumns], size: int) -> Iterator[TransactionColumns]:
    pending: list[TransactionColumns] = []
    rows = 0
    for chunk in chunks:
        pending.append(chunk)
        rows += len(chunk)
        if rows < size:
            continue
        merged = TransactionColumns.concat(pending)
        whole = rows // size * size
        for start in range(0, whole, size):
            yield merged.take(np.arange(start, start + size))
        pending, rows = [merged.take(np.arange(whole, rows))], rows - whole
    if rows:
        yield TransactionColumns.concat(pending)


def iter_transaction_batches(
    config: GeneratorConfig, world: World | None = None
) -> Iterator[TransactionBatch]:
    """Exactly `config.transactions` transactions in time order, in batches of `config.batch_size`."""
    world = world if world is not None else build_world(config)
    lookups = Lookups(world)
    number = 0
    for columns in _batched(_in_time_order(world, make_plan(world)), config.batch_size):
        yield TransactionBatch(world, lookups, number, columns)
        number += len(columns)
