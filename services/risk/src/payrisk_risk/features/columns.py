"""Transactions as columns: the one input of feature building, for scoring and for training alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
from payrisk.common.v1 import common_pb2

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Columns:
    transaction_id: list[str]
    merchant_id: list[str]
    payer_id: list[str]
    # Empty when not given.
    payee_id: list[str]
    device_id: list[str]
    card_id: list[str]
    ip_address: list[str]
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
        picked: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            picked[f.name] = [value[i] for i in index.tolist()] if isinstance(value, list) else value[index]
        return Columns(**picked)

    @staticmethod
    def concat(parts: Sequence[Columns]) -> Columns:
        if not parts:
            return empty_columns()
        joined: dict[str, Any] = {}
        for f in fields(Columns):
            values = [getattr(p, f.name) for p in parts]
            joined[f.name] = (
                [x for v in values for x in v] if isinstance(values[0], list) else np.concatenate(values)
            )
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
    """One pass over the messages, reading each field once (this is on the scoring hot path)."""
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
        transaction_id=list(tx),
        merchant_id=list(merchant),
        payer_id=list(payer),
        payee_id=list(payee),
        device_id=list(device),
        card_id=list(card),
        ip_address=list(ip),
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


def columns_from_transactions(transactions: Sequence[common_pb2.Transaction]) -> Columns:
    return extract(transactions)[0]


def empty_columns() -> Columns:
    ints = np.zeros(0, dtype=np.int64)
    floats = np.zeros(0, dtype=np.float64)
    return Columns(
        [],
        [],
        [],
        [],
        [],
        [],
        [],
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
