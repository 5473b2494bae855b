"""Transactions: idempotent bulk insert, decisions, labels, settlement status, reads and export."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from sqlalchemy import ColumnElement, Engine, and_, select, update

from ..models import TRANSACTIONS, StoredTransaction
from ._sql import chunks, in_clause, placeholder, values_clause

INSERT_COLUMNS = (
    "transaction_id", "merchant_id", "amount_minor", "currency", "channel", "occurred_at_us",
    "ingested_at_us", "payload", "settlement_status", "scoring_state", "label", "bill_id",
)  # fmt: skip


def insert_sql(engine: Engine) -> str:
    """Bulk insert that skips ids already stored (the caller has sorted those out already)."""
    return (
        f"INSERT INTO transactions ({', '.join(INSERT_COLUMNS)}) "
        f"VALUES {values_clause(engine, len(INSERT_COLUMNS))} ON CONFLICT (transaction_id) DO NOTHING"
    )


@dataclass(slots=True)
class NewTransaction:
    """A validated transaction ready to store: its position in the request, id, exact bytes and row."""

    index: int
    transaction_id: str
    payload: bytes
    row: tuple[object, ...]


@dataclass(slots=True)
class InsertOutcome:
    accepted: list[NewTransaction] = field(default_factory=list)
    duplicates: list[NewTransaction] = field(default_factory=list)
    conflicts: list[NewTransaction] = field(default_factory=list)


def to_row(
    tx: common_pb2.Transaction,
    payload: bytes,
    ingested_at_us: int,
    scoring_state: int,
    bill_id: str | None = None,
) -> tuple[object, ...]:
    occurred, amount = tx.occurred_at, tx.amount
    return (
        tx.transaction_id,
        tx.merchant_id,
        amount.minor_units,
        amount.currency_code,
        tx.channel,
        occurred.seconds * 1_000_000 + occurred.nanos // 1000,
        ingested_at_us,
        payload,
        common_pb2.SETTLEMENT_STATUS_UNSETTLED,
        scoring_state,
        common_pb2.FRAUD_LABEL_UNSPECIFIED,
        bill_id,
    )


class TransactionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # One writer at a time: SQLite allows no more, and it keeps the existence check and insert atomic.
        self.write_lock = threading.Lock()
        self._insert_sql = insert_sql(engine)

    def insert(self, items: Sequence[NewTransaction]) -> InsertOutcome:
        """Store the new ones; sort the rest into duplicates (same bytes) and conflicts (other bytes)."""
        outcome = InsertOutcome()
        unique = _first_of_each_id(items, outcome)
        with self.write_lock:
            if self._insert_if_all_new(unique):
                outcome.accepted = unique
                return outcome
            self._insert_new_only(unique, outcome)
        return outcome

    def _insert_if_all_new(self, items: Sequence[NewTransaction]) -> bool:
        """The common case, in one statement: every id is new. Rolls back and says False otherwise."""
        if not items:
            return True
        with self._engine.connect() as conn, conn.begin() as transaction:
            inserted = conn.exec_driver_sql(self._insert_sql, [item.row for item in items]).rowcount
            if inserted == len(items):
                return True
            transaction.rollback()
        return False

    def _insert_new_only(self, unique: Sequence[NewTransaction], outcome: InsertOutcome) -> None:
        with self._engine.begin() as conn:
            existing = self._existing_payloads(conn, [item.transaction_id for item in unique])
            fresh = []
            for item in unique:
                stored = existing.get(item.transaction_id)
                if stored is None:
                    fresh.append(item)
                elif stored == item.payload:
                    outcome.duplicates.append(item)
                else:
                    outcome.conflicts.append(item)
            if fresh:
                conn.exec_driver_sql(self._insert_sql, [item.row for item in fresh])
            outcome.accepted = fresh

    def _existing_payloads(self, conn: object, ids: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for part in chunks(ids):
            ids_in = in_clause(self._engine, len(part))
            sql = f"SELECT transaction_id, payload FROM transactions WHERE transaction_id IN {ids_in}"
            for transaction_id, payload in conn.exec_driver_sql(sql, tuple(part)):  # type: ignore[attr-defined]
                found[transaction_id] = bytes(payload)
        return found

    def record_decisions(self, decisions: Iterable[common_pb2.Decision]) -> None:
        scored = ingest_pb2.SCORING_STATE_SCORED
        rows = [(scored, d.SerializeToString(), d.outcome, d.score, d.transaction_id) for d in decisions]
        if not rows:
            return
        m = placeholder(self._engine)
        # The first decision stands: it may already be anchored, and a receipt must keep matching.
        sql = (
            f"UPDATE transactions SET scoring_state = {m}, decision = {m}, outcome = {m}, score = {m} "
            f"WHERE transaction_id = {m} AND scoring_state <> {scored}"
        )
        with self.write_lock, self._engine.begin() as conn:
            conn.exec_driver_sql(sql, rows)

    def get(self, transaction_id: str) -> StoredTransaction | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(TRANSACTIONS).where(TRANSACTIONS.c.transaction_id == transaction_id)
            ).first()
        return cast(StoredTransaction | None, row)

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        with self._engine.connect() as conn:
            return set(self._existing_payloads(conn, ids))

    def set_label(self, label: ingest_pb2.TransactionLabel, labeled_at_us: int) -> bool:
        """Returns False when the transaction is unknown."""
        table = TRANSACTIONS
        with self.write_lock, self._engine.begin() as conn:
            result = conn.execute(
                update(table)
                .where(table.c.transaction_id == label.transaction_id)
                .values(
                    label=label.label,
                    label_source=label.source or None,
                    label_scenario=label.scenario or None,
                    labeled_at_us=labeled_at_us,
                )
            )
        return bool(result.rowcount)

    def set_settlement_status(self, ids: Sequence[str], status: int) -> set[str]:
        """Returns the ids that exist (and were updated)."""
        table = TRANSACTIONS
        found = self.existing_ids(ids)
        with self.write_lock, self._engine.begin() as conn:
            for part in chunks(sorted(found)):
                conn.execute(
                    update(table).where(table.c.transaction_id.in_(part)).values(settlement_status=status)
                )
        return found

    def page(
        self, filters: TransactionFilter, after_seq: int, limit: int, *, newest_first: bool = False
    ) -> list[StoredTransaction]:
        """Rows that match the filters, in ingestion order after `after_seq`, or newest first before it
        (`after_seq` 0: from the newest)."""
        seq = TRANSACTIONS.c.seq
        if newest_first:
            position = [seq < after_seq] if after_seq else []
            query = select(TRANSACTIONS).where(and_(*position, *filters.clauses())).order_by(seq.desc())
        else:
            query = select(TRANSACTIONS).where(and_(seq > after_seq, *filters.clauses())).order_by(seq)
        with self._engine.connect() as conn:
            rows = conn.execute(query.limit(limit)).all()
        return cast(list[StoredTransaction], rows)

    def unscored(self, limit: int, ingested_before_us: int) -> list[StoredTransaction]:
        """Transactions left unscored, except those whose ingestion may still be waiting for risk."""
        waiting = TransactionFilter(
            scoring_state=ingest_pb2.SCORING_STATE_UNSCORED, ingested_before_us=ingested_before_us
        )
        return self.page(waiting, 0, limit)


@dataclass(frozen=True, slots=True)
class TransactionFilter:
    merchant_id: str = ""
    start_us: int | None = None
    end_us: int | None = None
    settlement_status: int = 0
    channel: int = 0
    labeled_only: bool = False
    scoring_state: int = 0
    outcomes: tuple[int, ...] = ()
    min_score: float = 0.0
    ingested_before_us: int | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        c = TRANSACTIONS.c
        clauses: list[ColumnElement[bool]] = []
        if self.merchant_id:
            clauses.append(c.merchant_id == self.merchant_id)
        if self.start_us is not None:
            clauses.append(c.occurred_at_us >= self.start_us)
        if self.end_us is not None:
            clauses.append(c.occurred_at_us < self.end_us)
        if self.settlement_status:
            clauses.append(c.settlement_status == self.settlement_status)
        if self.channel:
            clauses.append(c.channel == self.channel)
        if self.labeled_only:
            clauses.append(c.label != 0)
        if self.scoring_state:
            clauses.append(c.scoring_state == self.scoring_state)
        if self.outcomes:
            clauses.append(c.outcome.in_(self.outcomes))
            if min(self.outcomes) >= common_pb2.OUTCOME_REVIEW:
                # Lets the planner use the partial review-queue index.
                clauses.append(c.outcome >= common_pb2.OUTCOME_REVIEW)
        if self.min_score > 0:
            clauses.append(c.score >= self.min_score)
        if self.ingested_before_us is not None:
            clauses.append(c.ingested_at_us < self.ingested_before_us)
        return clauses


def _first_of_each_id(items: Sequence[NewTransaction], outcome: InsertOutcome) -> list[NewTransaction]:
    """Repeats of an id within one batch are duplicates or conflicts of its first occurrence."""
    first: dict[str, NewTransaction] = {}
    for item in items:
        seen = first.get(item.transaction_id)
        if seen is None:
            first[item.transaction_id] = item
        elif seen.payload == item.payload:
            outcome.duplicates.append(item)
        else:
            outcome.conflicts.append(item)
    return list(first.values())
