"""Times: local hours, and moving events into given hours of the night."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from .arrays import Ints
from .config import DAY_US, HOUR_US, LOCAL_UTC_OFFSET

_OFFSET_US = LOCAL_UTC_OFFSET // timedelta(microseconds=1)


def local_hour(times_us: Ints) -> Ints:
    hours: Ints = ((times_us + _OFFSET_US) // HOUR_US) % 24
    return hours


def local_weekday(times_us: Ints) -> Ints:
    """0 for Monday .. 6 for Sunday (1 January 1970 was a Thursday)."""
    weekday: Ints = ((times_us + _OFFSET_US) // DAY_US + 3) % 7
    return weekday


def spread_over(rng: np.random.Generator, start_us: int, duration_us: int, n: int) -> Ints:
    """n times in [start, start + duration), in order."""
    times: Ints = np.sort(start_us + (rng.random(n) * duration_us).astype(np.int64))
    return times


def into_hours(rng: np.random.Generator, times_us: Ints, hours: list[int]) -> Ints:
    """Each time moved to a random moment of one of the given local hours, on its day or the next,
    never earlier than it was; in order."""
    day_start = (times_us + _OFFSET_US) // DAY_US * DAY_US - _OFFSET_US
    hour = np.array(hours)[rng.integers(len(hours), size=len(times_us))]
    moved = day_start + hour * HOUR_US + (rng.random(len(times_us)) * HOUR_US).astype(np.int64)
    result: Ints = np.sort(np.where(moved < times_us, moved + DAY_US, moved))
    return result
