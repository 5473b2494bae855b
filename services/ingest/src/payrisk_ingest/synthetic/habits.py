"""When people pay: daily activity profiles over local hours."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import Floats
from .catalog import CATEGORIES

HOURS = np.arange(24)
# Local hours when honest people sleep and fraudsters, on the clock of their victims, do not.
SMALL_HOURS = [2, 3, 4, 5]


@dataclass(frozen=True, slots=True)
class Archetype:
    name: str
    peak_hours: tuple[int, ...]
    # Share of payers who live like this.
    share: float


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("commuter", (8, 12, 18), 0.30),
    Archetype("office", (12, 19), 0.25),
    Archetype("evening", (19, 21), 0.20),
    Archetype("daytime", (10, 15), 0.15),
    Archetype("night_owl", (22, 1), 0.10),
)


def hour_profile(peak_hours: tuple[int, ...], width: float = 1.6, floor: float = 0.04) -> Floats:
    """Relative activity per local hour: a bump around each peak (wrapping at midnight) over a floor.

    The small hours get a much lower floor: legitimate payments between 2 and 6 am are rare.
    """
    profile = np.full(24, floor)
    for peak in peak_hours:
        delta = np.minimum(np.abs(HOURS - peak), 24 - np.abs(HOURS - peak))
        profile += np.exp(-0.5 * (delta / width) ** 2)
    profile[SMALL_HOURS] *= 0.25
    normalised: Floats = profile / profile.sum()
    return normalised


def active_hours(profile: Floats) -> tuple[int, ...]:
    """The hours with at least half the peak activity."""
    return tuple(int(h) for h in np.flatnonzero(profile >= profile.max() / 2))


ARCHETYPE_PROFILES: Floats = np.stack([hour_profile(a.peak_hours) for a in ARCHETYPES])
# (categories, 24): when each category sells, relative to its own day.
CATEGORY_HOURS: Floats = np.stack(
    [
        hour_profile(c.peak_hours, width=2.5, floor=0.15) if c.peak_hours else hour_profile(())
        for c in CATEGORIES
    ]
)
