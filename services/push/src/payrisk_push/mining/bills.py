"""Offline bills as columns: texts by their distinct values, numbers as arrays; the rest is array arithmetic.

A page of ingest's export is read from its wire bytes (wire.py) when it can be, and parsed the ordinary way
otherwise; both give the same batch.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2

from .arrays import Bools, Floats, Ints
from .documents import DocumentKey

T = TypeVar("T", bound=Hashable)


@dataclass(frozen=True)
class Distinct(Generic[T]):
    """A column by its distinct values, in order of first appearance: row r holds values[codes[r]]."""

    values: list[T]
    codes: Ints

    @classmethod
    def of(cls, column: Sequence[T]) -> Distinct[T]:
        index: dict[T, int] = {}
        codes = [index.setdefault(v, len(index)) for v in column]
        return cls(list(index), np.array(codes, dtype=np.int64))


@dataclass(frozen=True)
class BillBatch:
    merchants: Distinct[str]
    payers: Distinct[str]
    devices: Distinct[str]
    mccs: Distinct[str]
    documents: Distinct[DocumentKey]
    seconds: Ints
    latitude: Floats
    longitude: Floats
    # False where the bill carries no geo point.
    located: Bools
    amount_minor: Ints

    def __len__(self) -> int:
        return len(self.seconds)


@dataclass(frozen=True)
class ExportPage:
    bills: BillBatch
    # How many records the page had (bills without a merchant are not in `bills`: nothing to recommend).
    records: int
    cursor: int


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
    return _batch(
        Distinct.of(merchants),
        Distinct.of(payers),
        Distinct.of(devices),
        Distinct.of(mccs),
        Distinct.of(documents),
        np.array(seconds, dtype=np.int64),
        np.array(latitude, dtype=np.float64),
        np.array(longitude, dtype=np.float64),
        np.array(amount, dtype=np.int64),
    )


def export_page(data: bytes) -> ExportPage:
    """The bills of a serialised ExportTransactionsResponse."""
    try:
        read = _read_wire(data)
    except UnicodeDecodeError:
        read = None  # the ordinary parse says what is wrong
    if read is not None:
        return read
    response = ingest_pb2.ExportTransactionsResponse.FromString(data)
    return ExportPage(
        bill_batch([r.transaction for r in response.records]), len(response.records), response.cursor
    )


def _read_wire(data: bytes) -> ExportPage | None:
    # Compiled code (numba and LLVM) is loaded by a process when it first mines.
    from . import wire

    page = wire.read_page(data)
    if page is None:
        return None
    rows = np.flatnonzero(page.spans[:, wire.MERCHANT, 1] > page.spans[:, wire.MERCHANT, 0])
    columns = []
    for column in (wire.MERCHANT, wire.PAYER, wire.DEVICE, wire.MCC):
        groups = wire.group_texts(page, rows, column)
        if groups is None:
            return None
        columns.append(Distinct([page.text(r, column) for r in rows[groups.first].tolist()], groups.codes))
    groups = wire.group_documents(page, rows)
    if groups is None:
        return None
    keys: list[DocumentKey] = [
        (page.text(r, wire.DESCRIPTION), page.tags(r), page.text(r, wire.MCC))
        for r in rows[groups.first].tolist()
    ]
    merchants, payers, devices, mccs = columns
    bills = _batch(
        merchants,
        payers,
        devices,
        mccs,
        Distinct(keys, groups.codes),
        page.seconds[rows],
        page.latitude[rows],
        page.longitude[rows],
        page.amount_minor[rows],
    )
    return ExportPage(bills, len(page), page.cursor)


def _batch(
    merchants: Distinct[str],
    payers: Distinct[str],
    devices: Distinct[str],
    mccs: Distinct[str],
    documents: Distinct[DocumentKey],
    seconds: Ints,
    latitude: Floats,
    longitude: Floats,
    amount_minor: Ints,
) -> BillBatch:
    return BillBatch(
        merchants=merchants,
        payers=payers,
        devices=devices,
        mccs=mccs,
        documents=documents,
        seconds=seconds,
        latitude=latitude,
        longitude=longitude,
        located=((latitude != 0) | (longitude != 0)) & (np.abs(latitude) <= 90) & (np.abs(longitude) <= 180),
        amount_minor=np.maximum(amount_minor, 0),
    )
