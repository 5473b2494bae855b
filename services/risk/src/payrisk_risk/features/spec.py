"""The feature list, and the matrix built from a batch's columns and window sums.

The list is part of every model artefact: a model trained on another list is refused, not misread.
"""

from __future__ import annotations

import numpy as np

from .columns import Columns, Floats
from .entities import COORDINATE_SCALE, NIGHT_END_HOUR, ROUND_MINOR, WINDOWS, local_hours
from .state import Windows

EARTH_RADIUS_KM = 6371.0
VELOCITY_KINDS = ("card", "payer", "merchant", "device", "payee")

_VELOCITY = [f"{kind}_{what}_{w}" for kind in VELOCITY_KINDS for what in ("count", "amount") for w in WINDOWS]
_DERIVED = [
    "card_amount_ratio_30d",
    "card_night_share_30d",
    "card_distance_km",
    "merchant_risky_type_share_30d",
    "merchant_mean_fee_rate_30d",
    "merchant_refund_share_30d",
    "merchant_offline_share_30d",
    "merchant_round_amount_share_30d",
    "device_refund_share_7d",
    "device_night_share_7d",
    "device_offline_share_30d",
]
_RELATIONS = [
    "payer_merchant_count_30d",
    "card_device_count_30d",
    "payer_payee_count_30d",
    "payer_ip_count_30d",
]
_TRANSACTION = [
    "amount_log",
    "fee_rate",
    "round_amount",
    "type",
    "channel",
    "mcc",
    "hour",
    "day_of_week",
    "weekend",
    "night",
    "located",
    "has_ip",
]
FEATURES: tuple[str, ...] = tuple(_TRANSACTION + _VELOCITY + _DERIVED + _RELATIONS)
# Codes, not quantities: LightGBM splits them as categories.
CATEGORICAL: tuple[str, ...] = ("type", "channel", "mcc")


def _shares(parts: list[Floats], wholes: list[Floats]) -> Floats:
    """(n, k): each part over its whole, NaN where the whole is not positive (no history)."""
    # Columns side by side (np.array(...).T: np.stack's result, at a fraction of its cost on small batches).
    part, whole = np.array(parts).T, np.array(wholes).T
    with np.errstate(divide="ignore", invalid="ignore"):
        shares: Floats = np.where(whole > 0, part / whole, np.nan)
    return shares


def distance_km(lat1: Floats, lon1: Floats, lat2: Floats, lon2: Floats) -> Floats:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    distance: Floats = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return distance


CARD, PAYER, MERCHANT, DEVICE, PAYEE = range(5)
COUNT, AMOUNT = 0, 1
# Extras' channel numbers (see entities.ENTITIES): card night, lat, lon, located; merchant risky, fee rate,
# refund, offline, round; device refund, offline, night.
CARD_NIGHT, CARD_LAT, CARD_LON, CARD_LOCATED = 2, 3, 4, 5
M_RISKY, M_FEE, M_REFUND, M_OFFLINE, M_ROUND = 2, 3, 4, 5, 6
D_REFUND, D_OFFLINE, D_NIGHT = 2, 3, 4


def _derived(cols: Columns, w: Windows) -> Floats:
    """(n, 11) in _DERIVED order."""
    month, week = w.month, w.week

    def e(kind: int, window: Floats, channel: int) -> Floats:
        return w.entity(kind, window, channel)

    card_count, merchant_count = e(CARD, month, COUNT), e(MERCHANT, month, COUNT)
    shares = _shares(
        [
            cols.amount_minor / 100.0 * card_count,
            e(CARD, month, CARD_NIGHT),
            e(CARD, month, CARD_LAT),
            e(CARD, month, CARD_LON),
            e(MERCHANT, month, M_RISKY),
            e(MERCHANT, month, M_FEE),
            e(MERCHANT, month, M_REFUND),
            e(MERCHANT, month, M_OFFLINE),
            e(MERCHANT, month, M_ROUND),
            e(DEVICE, week, D_REFUND),
            e(DEVICE, week, D_NIGHT),
            e(DEVICE, month, D_OFFLINE),
        ],
        [
            e(CARD, month, AMOUNT),
            card_count,
            e(CARD, month, CARD_LOCATED),
            e(CARD, month, CARD_LOCATED),
            *[merchant_count] * 5,
            e(DEVICE, week, COUNT),
            e(DEVICE, week, COUNT),
            e(DEVICE, month, COUNT),
        ],
    )
    here = cols.located
    distance = distance_km(
        np.where(here, cols.latitude, np.nan),
        np.where(here, cols.longitude, np.nan),
        shares[:, 2] / COORDINATE_SCALE,
        shares[:, 3] / COORDINATE_SCALE,
    )
    derived = np.empty((len(cols), len(_DERIVED)))
    derived[:, :2] = shares[:, :2]
    derived[:, 2] = distance
    derived[:, 3:] = shares[:, 4:]
    return derived


def _transaction(cols: Columns, utc_offset_hours: float) -> Floats:
    """(n, 12) in _TRANSACTION order."""
    hour = local_hours(cols, utc_offset_hours)
    local_us = cols.occurred_at_us + int(utc_offset_hours * 3_600_000_000)
    # 1970-01-01 was a Thursday; Monday is 0.
    day_of_week = (local_us // 86_400_000_000 + 3) % 7
    return np.array(
        [
            np.log10(np.maximum(cols.amount_minor, 1) / 100.0),
            cols.fee_minor / np.maximum(cols.amount_minor, 1),
            cols.amount_minor % ROUND_MINOR == 0,
            cols.type,
            cols.channel,
            np.where(cols.mcc >= 0, cols.mcc, np.nan),
            hour,
            day_of_week,
            day_of_week >= 5,
            hour < NIGHT_END_HOUR,
            cols.located,
            cols.ip_address.present(),
        ],
        dtype=np.float64,
    ).T


def _velocity(w: Windows) -> Floats:
    """(n, 40) in _VELOCITY order: kind, then count and amount, then 1h, 1d, 7d, 30d."""
    kinds = len(VELOCITY_KINDS)
    blocks = [window[:, :2].reshape(kinds, w.n, 2) for window in (w.hour, w.day, w.week, w.month)]
    # (window, kind, n, channel) -> (n, kind, channel, window)
    stacked = np.stack(blocks).transpose(2, 1, 3, 0)
    velocity: Floats = stacked.reshape(w.n, kinds * 2 * len(WINDOWS))
    return velocity


def feature_matrix(cols: Columns, windows: Windows, utc_offset_hours: float) -> Floats:
    """(n, len(FEATURES)) in FEATURES order; NaN where a feature does not apply (no device, no history)."""
    relations = windows.relations_month[:, 0].reshape(len(_RELATIONS), windows.n).T
    matrix: Floats = np.hstack(
        [_transaction(cols, utc_offset_hours), _velocity(windows), _derived(cols, windows), relations]
    )
    return matrix
