"""Ingest's persistence: one engine, a store object per kind of data."""

from __future__ import annotations

from sqlalchemy import Engine

from .anchors import AnchorStore, DecidedTransaction, DecisionBatch
from .bills import BillChanges, BillStore
from .registry import Registration, RegistrationOutcome, RegistryStore, haversine_meters
from .transactions import InsertOutcome, NewTransaction, TransactionFilter, TransactionStore, to_row


class IngestStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.transactions = TransactionStore(engine)
        self.registry = RegistryStore(engine)
        self.bills = BillStore(engine, self.transactions.write_lock)
        self.anchors = AnchorStore(engine, self.transactions.write_lock)


__all__ = [
    "AnchorStore",
    "BillChanges",
    "BillStore",
    "DecidedTransaction",
    "DecisionBatch",
    "IngestStore",
    "InsertOutcome",
    "NewTransaction",
    "Registration",
    "RegistrationOutcome",
    "RegistryStore",
    "TransactionFilter",
    "TransactionStore",
    "haversine_meters",
    "to_row",
]
