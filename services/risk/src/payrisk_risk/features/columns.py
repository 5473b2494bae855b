"""Transactions as columns: the one input of feature building, for scoring and for training alike.

Scoring reads them from the request's wire bytes (wire.py); `extract` reads them from the messages field by
field, which is slower but is the reference the wire reader is held to, and what it falls back on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
from payrisk.common.v1 import common_pb2

from . import wire
from .ids import Ids

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Columns:
    transaction_id: Ids
    merchant_id: Ids
    payer_id: Ids
    # Empty when not given.
    payee_id: Ids
    device_id: Ids
    card_id: Ids
    ip_address: Ids
    amount_minor: Ints
    fee_minor: Ints
    type: Ints
    channel: Ints
    occurred_at_us: Ints
    located: Bools
    latitude: Floats
    longitude: Floats
    # The merchant category code as a number; -1 when absent.
    mcc: Ints

    def __len__(self) -> int:
        return len(self.transaction_id)

    def take(self, index: Ints) -> Columns:
        return Columns(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: Sequence[Columns]) -> Columns:
        if not parts:
            return empty_columns()
        if len(parts) == 1:
            return parts[0]
        joined: dict[str, Any] = {}
        for f in fields(Columns):
            values = [getattr(p, f.name) for p in parts]
            joined[f.name] = Ids.concat(values) if isinstance(values[0], Ids) else np.concatenate(values)
        return Columns(**joined)


@dataclass(frozen=True, slots=True)
class Unchecked:
    """What only validation needs from the messages, read in the same pass as the columns."""

    currency: list[str]
    fee_currency: list[str]
    seconds: Ints
    nanos: Ints
    mcc: list[str]


def extract(transactions: Sequence[common_pb2.Transaction]) -> tuple[Columns, Unchecked]:
    """One pass over the messages, reading each field once: the reference for `wire.parse`."""
    rows: list[tuple[Any, ...]] = []
    add = rows.append
    for t in transactions:
        amount, fee, occurred, location = t.amount, t.fee, t.occurred_at, t.location
        point = location.point
        add(
            (
                t.transaction_id, t.merchant_id, t.payer_id, t.payee_id, t.device_id, t.card_id, t.ip_address,
                amount.minor_units, amount.currency_code, fee.minor_units, fee.currency_code, t.type, t.channel,
                occurred.seconds, occurred.nanos, location.HasField("point"), point.latitude, point.longitude,
                t.merchant_category_code,
            )
        )  # fmt: skip
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty_columns(), Unchecked([], [], empty, empty, [])
    (tx, merchant, payer, payee, device, card, ip, amount_minor, currency, fee_minor, fee_currency, kind, channel,
     seconds, nanos, located, lat, lon, mcc) = zip(*rows, strict=True)  # fmt: skip
    seconds_array = np.array(seconds, dtype=np.int64)
    nanos_array = np.array(nanos, dtype=np.int64)
    cols = Columns(
        transaction_id=Ids.from_strings(tx),
        merchant_id=Ids.from_strings(merchant),
        payer_id=Ids.from_strings(payer),
        payee_id=Ids.from_strings(payee),
        device_id=Ids.from_strings(device),
        card_id=Ids.from_strings(card),
        ip_address=Ids.from_strings(ip),
        amount_minor=np.array(amount_minor, dtype=np.int64),
        fee_minor=np.array(fee_minor, dtype=np.int64),
        type=np.array(kind, dtype=np.int64),
        channel=np.array(channel, dtype=np.int64),
        occurred_at_us=seconds_array * 1_000_000 + nanos_array // 1000,
        located=np.array(located, dtype=np.bool_),
        latitude=np.array(lat, dtype=np.float64),
        longitude=np.array(lon, dtype=np.float64),
        mcc=np.array(
            [int(c) if len(c) == 4 and c.isascii() and c.isdigit() else -1 for c in mcc], dtype=np.int64
        ),
    )
    return cols, Unchecked(list(currency), list(fee_currency), seconds_array, nanos_array, list(mcc))


def from_parsed(parsed: wire.Parsed) -> Columns:
    tx, merchant, payer, payee, device, card, ip = parsed.ids
    return Columns(
        transaction_id=tx,
        merchant_id=merchant,
        payer_id=payer,
        payee_id=payee,
        device_id=device,
        card_id=card,
        ip_address=ip,
        amount_minor=parsed.amount_minor,
        fee_minor=parsed.fee_minor,
        type=parsed.type,
        channel=parsed.channel,
        occurred_at_us=parsed.occurred_at_us,
        located=parsed.located,
        latitude=parsed.latitude,
        longitude=parsed.longitude,
        mcc=parsed.mcc,
    )


def columns_from_transactions(transactions: Sequence[common_pb2.Transaction]) -> Columns:
    """Messages (from ingest's export, tests, training data) as columns, read as scoring reads them."""
    parsed = wire.parse_messages([t.SerializeToString() for t in transactions], 0.0)
    return extract(transactions)[0] if parsed is None else from_parsed(parsed)


def empty_columns() -> Columns:
    ints = np.zeros(0, dtype=np.int64)
    floats = np.zeros(0, dtype=np.float64)
    ids = Ids.from_strings([])
    return Columns(
        ids,
        ids,
        ids,
        ids,
        ids,
        ids,
        ids,
        ints,
        ints,
        ints,
        ints,
        ints,
        np.zeros(0, dtype=np.bool_),
        floats,
        floats,
        ints,
    )
