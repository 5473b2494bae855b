"""Whose history the features follow, and what is summed for each.

Entities (payers, cards, merchants, devices, payees) keep counts and amounts over 1 hour, 1 day, 7 days
and 30 days, and up to five more daily sums of their own (a card's night-time payments, a merchant's
fees...). Relations (payer and merchant, card and device, ...) keep how often the pair met in 7 and 30
days. All entities share one table and its rings, all relations another, so that a batch costs a handful
of array operations whatever the number of kinds.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from payrisk.common.v1 import common_pb2

from . import hashing
from .columns import Columns, Floats, Ints
from .rings import RingSpec

MINUTE_US = 60_000_000
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US

TEN_MINUTES = RingSpec(10 * MINUTE_US, 6, (("1h", 6),))
HOURS = RingSpec(HOUR_US, 24, (("1d", 24),))
DAYS = RingSpec(DAY_US, 30, (("7d", 7), ("30d", 30)))
WINDOWS = ("1h", "1d", "7d", "30d")
EXTRA_CHANNELS = 5

RISKY_TYPES = (
    common_pb2.TRANSACTION_TYPE_TRANSFER,
    common_pb2.TRANSACTION_TYPE_WITHDRAWAL,
    common_pb2.TRANSACTION_TYPE_CASH_OUT,
)


def code_table(codes: tuple[int, ...] | frozenset[int]) -> npt.NDArray[np.bool_]:
    """A lookup table for `member(values, table)`: faster than np.isin on small batches."""
    table = np.zeros(max(codes) + 1, dtype=np.bool_)
    table[list(codes)] = True
    return table


def member(values: npt.NDArray[np.int64], table: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Which enum codes are in the table (codes outside its range are not)."""
    inside = (values >= 0) & (values < len(table))
    found: npt.NDArray[np.bool_] = inside & table[np.where(inside, values, 0)]
    return found


RISKY = code_table(RISKY_TYPES)
# Local hours [0, 6): when people sleep and stolen cards are spent.
NIGHT_END_HOUR = 6
COORDINATE_SCALE = 1_000.0
# A whole hundred of the major unit (100.00 yuan): amounts people pick, not prices.
ROUND_MINOR = 10_000


def local_hours(cols: Columns, utc_offset_hours: float) -> Floats:
    local_us = cols.occurred_at_us + int(utc_offset_hours * HOUR_US)
    hours: Floats = (local_us % DAY_US) / HOUR_US
    return hours


def signals(cols: Columns, utc_offset_hours: float) -> dict[str, Floats]:
    """What one transaction adds to each channel, by channel name."""
    amount = cols.amount_minor.astype(np.float64)
    located = cols.located.astype(np.float64)
    return {
        "count": np.ones(len(cols)),
        # Major units: the sums stay well inside float32's exact range.
        "amount": amount / 100.0,
        "night": (local_hours(cols, utc_offset_hours) < NIGHT_END_HOUR).astype(np.float64),
        # Whole thousandths of a degree (about 100 m): integers, so sums are exact in float32 and the mean
        # place does not depend on how the transactions were batched.
        "lat": np.round(cols.latitude * COORDINATE_SCALE) * located,
        "lon": np.round(cols.longitude * COORDINATE_SCALE) * located,
        "located": located,
        "risky": member(cols.type, RISKY).astype(np.float64),
        "fee_rate": cols.fee_minor / np.maximum(amount, 1.0),
        "refund": (cols.type == common_pb2.TRANSACTION_TYPE_REFUND).astype(np.float64),
        "offline": (cols.channel == common_pb2.CHANNEL_OFFLINE).astype(np.float64),
        "round": (cols.amount_minor % ROUND_MINOR == 0).astype(np.float64),
    }


def _card(cols: Columns) -> list[str]:
    # Without a card, the payer's account is the instrument.
    return [c or p for c, p in zip(cols.card_id, cols.payer_id, strict=True)]


def _card_hashes(cols: Columns) -> Ints:
    card: Ints = np.where(cols.card_id.hashes != hashing.NO_ID, cols.card_id.hashes, cols.payer_id.hashes)
    return card


def _pair(a: Sequence[str], b: Sequence[str]) -> list[Hashable]:
    return [(x, y) if x and y else None for x, y in zip(a, b, strict=True)]


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    # Each row's id for this kind; empty (or None) when the row has none (the reference key table's keys).
    key: Callable[[Columns], Sequence[Hashable]]
    # The same as hashes (hashing.py), NO_ID when the row has none (the compiled key table's keys).
    hashes: Callable[[Columns], Ints]
    # Daily channels beyond count and amount (entities only).
    extras: tuple[str, ...] = ()


ENTITIES = (
    Kind("card", _card, _card_hashes, ("night", "lat", "lon", "located")),
    Kind("payer", lambda c: c.payer_id, lambda c: c.payer_id.hashes),
    Kind(
        "merchant",
        lambda c: c.merchant_id,
        lambda c: c.merchant_id.hashes,
        ("risky", "fee_rate", "refund", "offline", "round"),
    ),
    Kind("device", lambda c: c.device_id, lambda c: c.device_id.hashes, ("refund", "offline", "night")),
    # Money received by a person: many senders in a short time is how fan-in looks.
    Kind("payee", lambda c: c.payee_id, lambda c: c.payee_id.hashes),
)
RELATIONS = (
    Kind(
        "payer_merchant",
        lambda c: _pair(c.payer_id, c.merchant_id),
        lambda c: hashing.pairs(c.payer_id.hashes, c.merchant_id.hashes),
    ),
    Kind(
        "card_device",
        lambda c: _pair(_card(c), c.device_id),
        lambda c: hashing.pairs(_card_hashes(c), c.device_id.hashes),
    ),
    Kind(
        "payer_payee",
        lambda c: _pair(c.payer_id, c.payee_id),
        lambda c: hashing.pairs(c.payer_id.hashes, c.payee_id.hashes),
    ),
    Kind(
        "payer_ip",
        lambda c: _pair(c.payer_id, c.ip_address),
        lambda c: hashing.pairs(c.payer_id.hashes, c.ip_address.hashes),
    ),
)
assert all(len(k.extras) <= EXTRA_CHANNELS for k in ENTITIES)
