"""Behaviour dimension: how the payer usually acts, and how far this payment is from it."""

from __future__ import annotations

import numpy as np

from ..arrays import Floats, Ints
from ..graph import RelationGraph
from .units import LOG2

# (name, unit): a difference of one unit is one step of meaning (a factor of two, one more link, a flag).
FEATURES = (
    # Burstiness of the payer's transfers over time, in [-1, 1].
    ("bh_payer_burstiness", 0.25),
    # How unusual the hour of the day is for the payer (log).
    ("bh_hour_rarity", LOG2),
    # Distance from where the payer usually pays (log km).
    ("bh_distance_from_home", 1.0),
)
NAMES = tuple(name for name, _ in FEATURES)
EARTH_RADIUS_KM = 6371.0


def haversine_km(lat1: Floats, lon1: Floats, lat2: Floats, lon2: Floats) -> Floats:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    distance: Floats = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return distance


def compute(graph: RelationGraph, index: Ints) -> Floats:
    t = graph.transfers
    payer = t.payer[index]
    out = np.zeros((len(index), len(NAMES)))
    out[:, 0] = graph.out_burstiness[payer]
    stats = graph.context_index
    if stats is None:
        return out
    c = stats.context
    same_hours = stats.payer_hour_transfers(payer, c.hour[index]) - 1
    out[:, 1] = np.log((graph.out_transfers[payer] + 1) / (same_hours + 1))
    distance = haversine_km(
        c.latitude[index], c.longitude[index], stats.home_latitude[payer], stats.home_longitude[payer]
    )
    out[:, 2] = np.where(np.isnan(distance), 0.0, np.log1p(np.nan_to_num(distance)))
    return out
