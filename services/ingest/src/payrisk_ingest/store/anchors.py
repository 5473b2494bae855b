"""Decision anchoring's bookkeeping: batches reserved before the ledger is asked, receipts once it answered.

A batch is written down (and its transactions marked with it) before the ledger call, so a crash between the
call and the receipts leads to the same batch being asked again, which the ledger answers with the receipts
it recorded the first time: every decision is anchored exactly once.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from sqlalchemy import Engine, func, insert, select, update

from ..models import DECISION_BATCHES, DECISION_RECEIPTS, TRANSACTIONS
from ._sql import chunks


@dataclass(frozen=True, slots=True)
class DecidedTransaction:
    transaction_id: str
    payload: bytes
    decision: bytes


@dataclass(frozen=True, slots=True)
class DecisionBatch:
    batch_id: str
    items: list[DecidedTransaction]


class AnchorStore:
    def __init__(self, engine: Engine, write_lock: threading.Lock) -> None:
        self._engine = engine
        self._write_lock = write_lock

    def pending_batch(self) -> DecisionBatch | None:
        """The oldest batch reserved but not yet confirmed (left by a failed call or a crash)."""
        b = DECISION_BATCHES.c
        with self._engine.connect() as conn:
            batch_id = conn.execute(
                select(b.batch_id).where(b.anchored_at_us.is_(None)).order_by(b.created_at_us).limit(1)
            ).scalar()
            if batch_id is None:
                return None
            return DecisionBatch(batch_id, _members(conn, batch_id))

    def reserve_batch(self, limit: int, now_us: int) -> DecisionBatch | None:
        """Puts the oldest decided transactions not yet anchored (at most `limit`) into a new batch."""
        t = TRANSACTIONS.c
        with self._write_lock, self._engine.begin() as conn:
            rows = conn.execute(
                select(t.seq, t.transaction_id, t.payload, t.decision)
                .where(t.scoring_state == ingest_pb2.SCORING_STATE_SCORED, t.anchor_batch.is_(None))
                .order_by(t.seq)
                .limit(limit)
                # Several ingest replicas on one PostgreSQL each take rows no other is taking (SQLite has
                # one writer at a time anyway, and SQLAlchemy leaves the clause out there).
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return None
            batch_id = _batch_id(rows)
            conn.execute(insert(DECISION_BATCHES).values(batch_id=batch_id, created_at_us=now_us))
            for part in chunks([r.seq for r in rows]):
                conn.execute(update(TRANSACTIONS).where(t.seq.in_(part)).values(anchor_batch=batch_id))
        items = [DecidedTransaction(r.transaction_id, bytes(r.payload), bytes(r.decision)) for r in rows]
        return DecisionBatch(batch_id, items)

    def save_receipts(self, batch_id: str, receipts: Sequence[ledger_pb2.Receipt], now_us: int) -> None:
        rows = [
            {"transaction_id": r.record_id, "batch_id": batch_id, "receipt": r.SerializeToString()}
            for r in receipts
        ]
        with self._write_lock, self._engine.begin() as conn:
            stored = set(
                conn.execute(
                    select(DECISION_RECEIPTS.c.transaction_id).where(DECISION_RECEIPTS.c.batch_id == batch_id)
                ).scalars()
            )
            fresh = [row for row in rows if row["transaction_id"] not in stored]
            if fresh:
                conn.execute(insert(DECISION_RECEIPTS), fresh)
            conn.execute(
                update(DECISION_BATCHES)
                .where(DECISION_BATCHES.c.batch_id == batch_id)
                .values(anchored_at_us=now_us)
            )

    def receipts(self, transaction_ids: Sequence[str]) -> dict[str, ledger_pb2.Receipt]:
        r = DECISION_RECEIPTS.c
        found: dict[str, ledger_pb2.Receipt] = {}
        with self._engine.connect() as conn:
            for part in chunks(transaction_ids):
                for transaction_id, receipt in conn.execute(
                    select(r.transaction_id, r.receipt).where(r.transaction_id.in_(part))
                ):
                    found[transaction_id] = ledger_pb2.Receipt.FromString(receipt)
        return found

    def unanchored_count(self) -> int:
        """Decisions not yet confirmed on the ledger, reserved in a batch or not."""
        t, b = TRANSACTIONS.c, DECISION_BATCHES.c
        decided = t.scoring_state == ingest_pb2.SCORING_STATE_SCORED
        with self._engine.connect() as conn:
            unreserved = conn.execute(
                select(func.count()).select_from(TRANSACTIONS).where(decided, t.anchor_batch.is_(None))
            ).scalar_one()
            in_flight = conn.execute(
                select(func.count())
                .select_from(TRANSACTIONS.join(DECISION_BATCHES, b.batch_id == t.anchor_batch))
                .where(b.anchored_at_us.is_(None))
            ).scalar_one()
        return int(unreserved) + int(in_flight)


def _batch_id(rows: Sequence[Any]) -> str:
    """Named after what it holds: the same on every retry, and different from any other deployment's batch
    (ledgers outlive databases, so positions alone could repeat) unless it holds the very same decisions."""
    digest = hashlib.sha256()
    for row in rows:
        for part in (row.transaction_id.encode(), bytes(row.payload), bytes(row.decision)):
            digest.update(len(part).to_bytes(4, "big") + part)
    return f"decisions-{digest.hexdigest()[:40]}"


def _members(conn: object, batch_id: str) -> list[DecidedTransaction]:
    t = TRANSACTIONS.c
    rows = conn.execute(  # type: ignore[attr-defined]
        select(t.transaction_id, t.payload, t.decision).where(t.anchor_batch == batch_id).order_by(t.seq)
    ).all()
    return [DecidedTransaction(r.transaction_id, bytes(r.payload), bytes(r.decision)) for r in rows]
