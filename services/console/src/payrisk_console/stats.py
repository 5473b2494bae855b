"""Figures the charts draw, computed from decided transactions: how scores spread and how decisions fall in time."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

OUTCOMES = ("approve", "review", "decline")


@dataclass(frozen=True, slots=True)
class Decided:
    """What a chart needs of one decided transaction."""

    score: float
    outcome: str
    occurred_at: dt.datetime


def score_histogram(scores: Iterable[float], bins: int = 20) -> list[int]:
    """Counts of scores in `bins` equal bins over [0, 1]; a score of exactly 1 falls in the last."""
    counts = [0] * bins
    for value in scores:
        counts[min(bins - 1, max(0, int(value * bins)))] += 1
    return counts


@dataclass(frozen=True, slots=True)
class TimeBucket:
    start: dt.datetime
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# Bucket widths to choose from, smallest first: the first that gives at most `max_buckets` buckets is used.
_WIDTHS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=10),
    dt.timedelta(hours=1),
    dt.timedelta(hours=6),
    dt.timedelta(days=1),
    dt.timedelta(days=7),
    dt.timedelta(days=30),
)


def bucket_width(span: dt.timedelta, max_buckets: int) -> dt.timedelta:
    for width in _WIDTHS:
        if span / width <= max_buckets:
            return width
    return _WIDTHS[-1]


def decisions_over_time(
    decided: Sequence[Decided], max_buckets: int = 48
) -> tuple[dt.timedelta, list[TimeBucket]]:
    """Decisions counted by outcome in equal time buckets from the first to the last, empty ones included."""
    if not decided:
        return _WIDTHS[0], []
    first = min(d.occurred_at for d in decided)
    last = max(d.occurred_at for d in decided)
    width = bucket_width(last - first, max_buckets)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    origin = epoch + ((first - epoch) // width) * width
    counts: dict[int, Counter[str]] = {}
    for d in decided:
        counts.setdefault((d.occurred_at - origin) // width, Counter())[d.outcome] += 1
    buckets = int((last - origin) // width) + 1
    return width, [TimeBucket(origin + i * width, dict(counts.get(i, Counter()))) for i in range(buckets)]
