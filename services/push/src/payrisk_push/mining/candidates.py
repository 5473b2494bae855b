"""The merchants worth ranking near a place, with the evidence about them already weighed.

Requests from the same ~5 km cell share one set: the merchants nearest the cell's centre, and for each tag and
topic column each merchant's share of the nearby bills in that column (P(merchant | column), nearer merchants
weighing more). A request then needs one product with its interest, and a small correction for how far its
exact place is from the centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .arrays import Floats, Floats32, Ints
from .environment import AMOUNT_BANDS

NEARBY_KM = 5.0
KM_PER_DEGREE = 111.32


@dataclass(frozen=True)
class Candidates:
    rows: Ints
    latitude: Floats
    longitude: Floats
    # Distance from the cell's centre, which `shares` were weighed for (None: no place).
    centre_km: Floats | None
    # (candidates, tag and topic columns): share of each column's nearby evidence at each merchant.
    shares: Floats32
    # Bills in each time band at each merchant, weighed by nearness like `shares` (one row per band).
    band_bills: Floats32
    # What every request reads about the candidates, gathered once (View's per-merchant tables, their rows):
    # each merchant's lift in each time band (one row per band), its share of bills in each amount band, the
    # square-root lift that share gives (its rows: merchants), and its unit-length topic mix.
    band_lifts: Floats32
    amount_shares: Floats32
    amount_lifts: Floats32
    mixes: Floats32

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class MerchantTables:
    """The per-merchant tables of a view that candidates are gathered from (one row per merchant)."""

    evidence: Floats32
    band_counts: Floats32
    latitude: Floats
    longitude: Floats
    # (band, merchant), as View.band_lifts.
    band_lifts: Floats32
    amount_shares: Floats32
    mixes: Floats32


def distances_km(latitude: Floats, longitude: Floats, place: tuple[float, float]) -> Floats:
    """Equirectangular distances: exact enough within a city, and cheap. NaN where a merchant has no place."""
    north = (latitude - place[0]) * KM_PER_DEGREE
    east = (longitude - place[1]) * (KM_PER_DEGREE * math.cos(math.radians(place[0])))
    distance: Floats = np.hypot(north, east)
    return distance


def nearness(distance: Floats) -> Floats:
    """Weight of each merchant by distance, 1 for the nearest: far from every merchant (a remote town), the
    nearest still count. Merchants without a place count as the farthest."""
    known = distance[~np.isnan(distance)]
    if not len(known):
        return np.ones(len(distance))
    weights: Floats = np.exp((known.min() - np.nan_to_num(distance, nan=known.max())) / NEARBY_KM)
    return weights


def weigh(rows: Ints, centre: tuple[float, float] | None, tables: MerchantTables) -> Candidates:
    """The candidates `rows` (of the view's merchants), weighed for a cell's centre (None: no place)."""
    lat, lon = tables.latitude[rows], tables.longitude[rows]
    centre_km = distances_km(lat, lon, centre) if centre is not None else None
    weights = nearness(centre_km) if centre_km is not None else np.ones(len(rows))
    weighed = tables.evidence[rows] * weights[:, None].astype(np.float32)
    totals = weighed.sum(axis=0)
    shares = weighed / np.maximum(totals, 1e-12)
    amount_shares = np.ascontiguousarray(tables.amount_shares[rows])
    return Candidates(
        rows=rows,
        latitude=lat,
        longitude=lon,
        centre_km=centre_km,
        shares=np.ascontiguousarray(shares, dtype=np.float32),
        band_bills=np.ascontiguousarray((tables.band_counts[rows] * weights[:, None]).T, dtype=np.float32),
        band_lifts=np.ascontiguousarray(tables.band_lifts[:, rows]),
        amount_shares=amount_shares,
        # Column by column, as scoring reads them (one amount band per request).
        amount_lifts=np.asfortranarray(np.sqrt(amount_shares * len(AMOUNT_BANDS))),
        mixes=np.ascontiguousarray(tables.mixes[rows]),
    )
