"""Scores of candidate merchants for a request: how likely its user is to pay there, here and now.

P(merchant | interest) mixes, over the candidates near the place, each wanted tag's and each wanted topic's
share of the nearby bills at the merchant (weighted as the interest says; within a tag the busier and nearer
merchant scores higher), with a little of the merchant's popularity here in this time band. Merchants that sell
at this time of day and at the user's usual amounts are lifted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..mining.arrays import Floats
from ..mining.candidates import NEARBY_KM, Candidates, distances_km
from ..mining.environment import AMOUNT_BANDS
from .interest import Interest

# How much popularity in this environment stays in a personal score.
POPULARITY_SHARE = 0.1


@dataclass(frozen=True)
class Situation:
    place: tuple[float, float] | None
    band: int
    amount_band: int | None


@dataclass(frozen=True)
class Scores:
    total: Floats
    # Share of the candidates' bills in this time band (near here) each merchant has.
    popularity: Floats
    distance_km: Floats | None


def score(candidates: Candidates, interest: Interest, situation: Situation) -> Scores:
    distance = closer = None
    if situation.place is not None and candidates.centre_km is not None:
        distance = distances_km(candidates.latitude, candidates.longitude, situation.place)
        # The candidates were weighed for their cell's centre: re-weigh each for the exact place.
        closer = np.exp((candidates.centre_km - distance) / NEARBY_KM)
        band_bills = candidates.band_bills[situation.band] * closer
    else:
        band_bills = candidates.band_bills[situation.band].astype(np.float64)
    in_band = band_bills.sum()
    popularity = band_bills / in_band if in_band > 0 else np.full(len(candidates), 1 / len(candidates))
    if interest.personal:
        relevance = candidates.shares @ interest.wanted32  # not the other way round
        if closer is not None:
            relevance *= closer
        total = (1 - POPULARITY_SHARE) * relevance + POPULARITY_SHARE * popularity
    else:
        total = popularity.copy()
    total *= candidates.band_lifts[situation.band]
    if situation.amount_band is not None:
        total *= candidates.amount_lifts[:, situation.amount_band]
    elif interest.amounts is not None:
        total *= np.sqrt((candidates.amount_shares @ interest.amounts) * len(AMOUNT_BANDS))
    return Scores(total, popularity, distance)
