"""Offline bills, the per-device sequence high-water mark, and device events, written together."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, and_, select, update

from ..models import DEVICE_EVENTS, DEVICES, OFFLINE_BILLS, TRANSACTIONS, DeviceEventRow, OfflineBillRow
from .transactions import NewTransaction, insert_sql


@dataclass(frozen=True, slots=True)
class BillChanges:
    bills: list[dict[str, object]]
    transactions: list[NewTransaction]
    events: list[dict[str, object]]
    last_sequences: dict[str, int]


class BillStore:
    def __init__(self, engine: Engine, write_lock: threading.Lock) -> None:
        self._engine = engine
        # Shared with the transaction store: both write the transactions table.
        self._write_lock = write_lock

    def stored_payloads(self, bill_ids: Sequence[str]) -> dict[str, bytes]:
        table = OFFLINE_BILLS
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(table.c.bill_id, table.c.payload).where(table.c.bill_id.in_(list(bill_ids)))
            )
            return {bill_id: bytes(payload) for bill_id, payload in rows}

    def used_sequences(self, device_id: str, sequences: Sequence[int]) -> dict[int, str]:
        table = OFFLINE_BILLS
        query = select(table.c.sequence, table.c.bill_id).where(
            and_(table.c.device_id == device_id, table.c.sequence.in_(list(sequences)))
        )
        with self._engine.connect() as conn:
            return {int(seq): bill_id for seq, bill_id in conn.execute(query)}

    def save(self, changes: BillChanges) -> list[NewTransaction]:
        """Write bills, their transactions, events and sequence marks atomically; returns new transactions."""
        bills = OFFLINE_BILLS
        devices = DEVICES
        with self._write_lock, self._engine.begin() as conn:
            if changes.bills:
                conn.execute(bills.insert(), changes.bills)
            new_transactions = self._not_stored(conn, changes.transactions)
            if new_transactions:
                conn.exec_driver_sql(insert_sql(self._engine), [t.row for t in new_transactions])
            if changes.events:
                conn.execute(DEVICE_EVENTS.insert(), changes.events)
            for device_id, last in changes.last_sequences.items():
                conn.execute(
                    update(devices)
                    .where(and_(devices.c.device_id == device_id, devices.c.last_sequence < last))
                    .values(last_sequence=last)
                )
        return new_transactions

    @staticmethod
    def _not_stored(conn: object, items: list[NewTransaction]) -> list[NewTransaction]:
        table = TRANSACTIONS
        ids = [t.transaction_id for t in items]
        if not ids:
            return []
        stored = {
            row[0]
            for row in conn.execute(  # type: ignore[attr-defined]
                select(table.c.transaction_id).where(table.c.transaction_id.in_(ids))
            )
        }
        return [t for t in items if t.transaction_id not in stored]

    def events(self, device_id: str) -> list[DeviceEventRow]:
        table = DEVICE_EVENTS
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(table).where(table.c.device_id == device_id).order_by(table.c.id)
            ).all()
        return [DeviceEventRow.model_validate(r._mapping) for r in rows]

    def bills(self, device_id: str, after_sequence: int, limit: int) -> list[OfflineBillRow]:
        table = OFFLINE_BILLS
        query = (
            select(table)
            .where(and_(table.c.device_id == device_id, table.c.sequence > after_sequence))
            .order_by(table.c.sequence)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [OfflineBillRow.model_validate(r._mapping) for r in conn.execute(query).all()]
