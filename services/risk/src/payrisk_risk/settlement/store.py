"""Settlement reviews in risk's database: one row per instruction id, the idempotency key."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, and_, not_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..models import SETTLEMENT_REVIEWS, SettlementReviewRow

_T = SETTLEMENT_REVIEWS.c


def _now_us() -> int:
    return time.time_ns() // 1000


class ReviewStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()

    def get(self, instruction_id: str) -> SettlementReviewRow | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(SETTLEMENT_REVIEWS).where(_T.instruction_id == instruction_id)).first()
        return SettlementReviewRow.model_validate(row._mapping) if row else None

    def insert(self, review: SettlementReviewRow) -> SettlementReviewRow:
        """Stores the review unless one with its id exists; returns the one stored (this or the earlier)."""
        insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        values = review.model_dump()
        with self._lock, self._engine.begin() as conn:
            conn.execute(insert(SETTLEMENT_REVIEWS).values(**values).on_conflict_do_nothing())
        stored = self.get(review.instruction_id)
        assert stored is not None
        return stored

    def for_merchant(self, merchant_id: str, limit: int) -> list[SettlementReviewRow]:
        query = (
            select(SETTLEMENT_REVIEWS)
            .where(_T.merchant_id == merchant_id)
            .order_by(_T.created_at_us.desc(), _T.instruction_id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [SettlementReviewRow.model_validate(r._mapping) for r in conn.execute(query)]

    def owing(self, limit: int = 100) -> list[SettlementReviewRow]:
        """Reviews with a freeze, a settlement status or a notice still to deliver, oldest first."""
        query = (
            select(SETTLEMENT_REVIEWS)
            .where(
                _T.freeze_request.is_not(None),
                not_(_T.blocked),
                not_(and_(_T.freeze_landed, _T.settlement_marked, _T.notified)),
            )
            .order_by(_T.created_at_us)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [SettlementReviewRow.model_validate(r._mapping) for r in conn.execute(query)]

    def _set(self, instruction_id: str, **values: object) -> None:
        with self._lock, self._engine.begin() as conn:
            conn.execute(
                update(SETTLEMENT_REVIEWS)
                .where(_T.instruction_id == instruction_id)
                .values(updated_at_us=_now_us(), **values)
            )

    def freeze_landed(self, instruction_id: str, ledger_transaction_id: str) -> None:
        self._set(
            instruction_id, freeze_landed=True, ledger_transaction_id=ledger_transaction_id, last_error=""
        )

    def settlement_marked(self, instruction_id: str) -> None:
        self._set(instruction_id, settlement_marked=True)

    def notified(self, instruction_id: str) -> None:
        self._set(instruction_id, notified=True)

    def failed(self, instruction_id: str, error: str, *, blocked: bool = False) -> None:
        self._set(instruction_id, attempts=_T.attempts + 1, last_error=error[:1000], blocked=blocked)
