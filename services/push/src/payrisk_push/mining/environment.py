"""Payment-environment elements of a bill or a push request: time band, amount band, place cell.

Time bands follow the local clock (China Standard Time), when people eat, commute and shop; a weekday evening
and a weekend evening are different bands. Amount bands are in the currency's minor units on a log scale.
"""

from __future__ import annotations

import bisect

import numpy as np

from .arrays import Floats, Ints

LOCAL_OFFSET_SECONDS = 8 * 3600
# Local hour each band starts at.
BAND_STARTS = (0, 6, 11, 14, 18)
BAND_NAMES = ("night", "morning", "midday", "afternoon", "evening")
BANDS = tuple(f"{day}-{name}" for day in ("weekday", "weekend") for name in BAND_NAMES)
# Upper bounds in minor units: under 10, 10-50, 50-200, 200-1,000, 1,000 and more (yuan, euros...).
AMOUNT_EDGES = (1_000, 5_000, 20_000, 100_000)
AMOUNT_BANDS = ("under 10", "10-50", "50-200", "200-1000", "1000+")
# About 5 km cells: "near here" for a terminal user.
CELL_DEGREES = 0.05

_HOUR_BAND = np.searchsorted(np.array(BAND_STARTS), np.arange(24), side="right") - 1


def time_bands(epoch_seconds: Ints) -> Ints:
    """Band index (into BANDS) of each time."""
    local = epoch_seconds + LOCAL_OFFSET_SECONDS
    hour = (local // 3600) % 24
    # 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday as 0.
    weekend = ((local // 86_400) + 3) % 7 >= 5
    bands: Ints = _HOUR_BAND[hour] + np.where(weekend, len(BAND_NAMES), 0)
    return bands


def time_band(epoch_seconds: float) -> int:
    local = int(epoch_seconds) + LOCAL_OFFSET_SECONDS
    weekend = ((local // 86_400) + 3) % 7 >= 5
    return int(_HOUR_BAND[(local // 3600) % 24]) + (len(BAND_NAMES) if weekend else 0)


def amount_bands(minor_units: Ints) -> Ints:
    bands: Ints = np.searchsorted(np.array(AMOUNT_EDGES), minor_units, side="right").astype(np.int64)
    return bands


def amount_band(minor_units: int) -> int:
    return bisect.bisect_right(AMOUNT_EDGES, minor_units)


def cell(latitude: float, longitude: float) -> tuple[int, int]:
    return round(latitude / CELL_DEGREES), round(longitude / CELL_DEGREES)


def cell_centre(key: tuple[int, int]) -> tuple[float, float]:
    return key[0] * CELL_DEGREES, key[1] * CELL_DEGREES


def unit_vectors(latitude: Floats, longitude: Floats) -> Floats:
    """Points on the unit sphere, so that nearest neighbours in 3-D are nearest on the globe."""
    lat, lon = np.radians(latitude), np.radians(longitude)
    vectors: Floats = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    return vectors
