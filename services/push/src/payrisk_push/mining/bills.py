"""Offline bills as columns: one pass over the messages, then everything else is array arithmetic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from payrisk.common.v1 import common_pb2

from .arrays import Bools, Floats, Ints
from .documents import DocumentKey


@dataclass(frozen=True)
class BillBatch:
    merchants: list[str]
    payers: list[str]
    devices: list[str]
    mccs: list[str]
    documents: list[DocumentKey]
    seconds: Ints
    latitude: Floats
    longitude: Floats
    # False where the bill carries no geo point.
    located: Bools
    amount_minor: Ints

    def __len__(self) -> int:
        return len(self.merchants)


def bill_batch(transactions: Sequence[common_pb2.Transaction]) -> BillBatch:
    """The bills' columns; bills without a merchant (nothing to recommend) are left out."""
    merchants, payers, devices, mccs, documents = [], [], [], [], []
    seconds, latitude, longitude, amount = [], [], [], []
    for tx in transactions:
        merchant = tx.merchant_id
        if not merchant:
            continue
        mcc = tx.merchant_category_code
        merchants.append(merchant)
        payers.append(tx.payer_id)
        devices.append(tx.device_id)
        mccs.append(mcc)
        documents.append((tx.description, tuple(tx.business_tags), mcc))
        seconds.append(tx.occurred_at.seconds)
        point = tx.location.point
        latitude.append(point.latitude)
        longitude.append(point.longitude)
        amount.append(tx.amount.minor_units)
    lat = np.array(latitude, dtype=np.float64)
    lon = np.array(longitude, dtype=np.float64)
    return BillBatch(
        merchants=merchants,
        payers=payers,
        devices=devices,
        mccs=mccs,
        documents=documents,
        seconds=np.array(seconds, dtype=np.int64),
        latitude=lat,
        longitude=lon,
        located=((lat != 0) | (lon != 0)) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180),
        amount_minor=np.maximum(np.array(amount, dtype=np.int64), 0),
    )
