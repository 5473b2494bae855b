"""What to generate: one frozen value, so the same config and seed always give the same data set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import IntEnum

import numpy as np

# Every place in the catalogue keeps China Standard Time; people's habits follow the local clock.
LOCAL_UTC_OFFSET = timedelta(hours=8)
LOCAL_TIME = timezone(LOCAL_UTC_OFFSET)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Stream(IntEnum):
    """Independent random streams, so that changing one part of the generator leaves the others alone."""

    WORLD = 0
    PLAN = 1
    DAY = 2


@dataclass(frozen=True, slots=True)
class GeneratorConfig:
    seed: int = 7
    transactions: int = 100_000
    days: int = 90
    start: datetime = datetime(2026, 1, 1, tzinfo=LOCAL_TIME)
    # None: scaled from the number of transactions.
    merchants: int | None = None
    payers: int | None = None
    # Transactions per yielded batch; the content does not depend on it.
    batch_size: int = 10_000
    # Share of all transactions that are fraud, split over the scenarios.
    fraud_share: float = 0.015
    # Share of legitimate transactions that also get a LEGITIMATE label (case outcomes).
    legitimate_label_share: float = 0.02
    # Prefix of every id; None: "s<seed>", so data sets of different seeds can share a store.
    id_prefix: str | None = None

    def __post_init__(self) -> None:
        if self.transactions < 1:
            raise ValueError("transactions must be at least 1")
        if self.days < 7:
            raise ValueError("days must be at least 7 (fraud episodes last up to 3 days)")
        if self.start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if not 0 <= self.fraud_share < 0.5:
            raise ValueError("fraud_share must be within [0, 0.5)")
        if not 0 <= self.legitimate_label_share <= 1:
            raise ValueError("legitimate_label_share must be within [0, 1]")
        if self.merchants is not None and self.merchants < MIN_MERCHANTS:
            raise ValueError(f"merchants must be at least {MIN_MERCHANTS}")
        if self.payers is not None and self.payers < MIN_PAYERS:
            raise ValueError(f"payers must be at least {MIN_PAYERS}")

    @property
    def merchant_count(self) -> int:
        if self.merchants is not None:
            return self.merchants
        return min(max(self.transactions // 250, MIN_MERCHANTS), 20_000)

    @property
    def payer_count(self) -> int:
        if self.payers is not None:
            return self.payers
        return min(max(self.transactions // 40, MIN_PAYERS), 200_000)

    @property
    def prefix(self) -> str:
        return self.id_prefix if self.id_prefix is not None else f"s{self.seed}"

    @property
    def start_us(self) -> int:
        return (self.start - _EPOCH) // timedelta(microseconds=1)

    @property
    def end_us(self) -> int:
        return self.start_us + self.days * DAY_US

    def rng(self, stream: Stream, *keys: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, stream, *keys])


HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
# Enough for a merchant of every everyday category in every city, plus the special roles.
MIN_MERCHANTS = 200
# Enough for fan-in senders and cycle rings to be distinct people.
MIN_PAYERS = 200
