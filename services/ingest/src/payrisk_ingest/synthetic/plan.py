"""The plan of a data set, made before any transaction: how many legitimate payments fall in each hour,
how many steady fraud ones on each day, and which fraud episodes start on which day. It fixes the total."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .arrays import Ints
from .columns import TransactionColumns
from .config import DAY_US, HOUR_US, GeneratorConfig, Stream
from .fraud import cash_out, compromised_card, compromised_device, cycle, fan_in, shell_merchant
from .fraud.episode import Episode, EpisodePlanner
from .scenarios import (
    CASH_OUT,
    COMPROMISED_CARD,
    COMPROMISED_DEVICE,
    CYCLE,
    FAN_IN,
    SCENARIO_SHARES,
    SHELL_MERCHANT,
)
from .timing import local_hour, local_weekday
from .world import World

SteadyScenario = Callable[[World, np.random.Generator, int, int, int], TransactionColumns]

STEADY: dict[str, SteadyScenario] = {
    SHELL_MERCHANT: shell_merchant.transactions,
    CASH_OUT: cash_out.transactions,
}
EPISODES: dict[str, tuple[tuple[int, int], EpisodePlanner]] = {
    COMPROMISED_DEVICE: (compromised_device.SIZES, compromised_device.plan),
    COMPROMISED_CARD: (compromised_card.SIZES, compromised_card.plan),
    FAN_IN: (fan_in.SIZES, fan_in.plan),
    CYCLE: (cycle.SIZES, cycle.plan),
}
# Episodes start early enough to be over before the period ends.
EPISODE_ROOM_US = 4 * DAY_US
# When there is fraud at all, every steady scenario has at least this many transactions.
MIN_STEADY = 10
WEEKEND_FACTOR = 1.15


@dataclass(frozen=True)
class Plan:
    # (days, 24): legitimate payments in each hour from the start.
    legitimate_per_hour: Ints
    # Per steady scenario, its transactions on each day.
    steady_per_day: dict[str, Ints]
    # The episodes starting on each day.
    episodes_by_day: tuple[tuple[Episode, ...], ...]

    @property
    def episodes(self) -> list[Episode]:
        return [e for day in self.episodes_by_day for e in day]


def _budgets(config: GeneratorConfig) -> dict[str, int]:
    total = config.fraud_share * config.transactions
    if total == 0:
        return dict.fromkeys(SCENARIO_SHARES, 0)
    budgets = {s: round(total * share) for s, share in SCENARIO_SHARES.items()}
    budgets |= {s: max(budgets[s], MIN_STEADY) for s in STEADY}
    return budgets | {s: max(budgets[s], sizes[0]) for s, (sizes, _) in EPISODES.items()}


def _sizes(rng: np.random.Generator, budget: int, low: int, high: int) -> list[int]:
    """Episode sizes within [low, high] adding up to the budget, but for a remainder below `low`."""
    sizes = []
    while budget >= low:
        size = min(int(rng.integers(low, high + 1)), budget)
        sizes.append(size)
        budget -= size
    return sizes


def make_plan(world: World) -> Plan:
    config = world.config
    rng = config.rng(Stream.PLAN)
    budgets = _budgets(config)
    hour_starts = config.start_us + np.arange(config.days * 24, dtype=np.int64) * HOUR_US
    weights = world.activity.hourly[local_hour(hour_starts)]
    weights = weights * np.where(local_weekday(hour_starts) >= 5, WEEKEND_FACTOR, 1.0)
    weights = weights / weights.sum()
    day_weights = weights.reshape(config.days, 24).sum(axis=1)
    steady = {s: rng.multinomial(budgets[s], day_weights).astype(np.int64) for s in STEADY}
    episodes: list[list[Episode]] = [[] for _ in range(config.days)]
    for scenario, ((low, high), planner) in EPISODES.items():
        for size in _sizes(rng, budgets[scenario], low, high):
            start = int(rng.integers(config.start_us, config.end_us - EPISODE_ROOM_US))
            episodes[(start - config.start_us) // DAY_US].append(planner(world, rng, start, size))
    fraud = sum(budgets[s] for s in STEADY) + sum(e.size for day in episodes for e in day)
    if fraud > config.transactions:
        raise ValueError(f"{config.transactions} transactions are too few for the {fraud} fraud ones planned")
    legitimate = rng.multinomial(config.transactions - fraud, weights).astype(np.int64)
    return Plan(
        legitimate_per_hour=legitimate.reshape(config.days, 24),
        steady_per_day=steady,
        episodes_by_day=tuple(tuple(day) for day in episodes),
    )
