"""Taking in batches of transactions: validate each, store new ones once, score what was stored."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk_runtime import InvalidArgument

from .scoring import Scorer
from .store import NewTransaction, TransactionStore, to_row
from .validation import transaction_violations

CODE_INVALID = common_pb2.ITEM_ERROR_CODE_INVALID
CODE_CONFLICT = common_pb2.ITEM_ERROR_CODE_CONFLICT


class TransactionIngestor:
    def __init__(self, store: TransactionStore, scorer: Scorer, max_batch_size: int) -> None:
        self._store = store
        self._scorer = scorer
        self._max_batch_size = max_batch_size

    async def ingest(
        self, request: ingest_pb2.IngestTransactionsRequest
    ) -> ingest_pb2.IngestTransactionsResponse:
        if len(request.transactions) > self._max_batch_size:
            raise InvalidArgument.field(
                "transactions", f"at most {self._max_batch_size} transactions per batch"
            )
        response = ingest_pb2.IngestTransactionsResponse(batch_id=request.batch_id)
        prepared = self._prepare(request.transactions, response)
        outcome = await asyncio.to_thread(self._store.insert, prepared)
        response.accepted = len(outcome.accepted)
        response.duplicates = len(outcome.duplicates)
        for item in outcome.conflicts:
            response.rejected.add(
                index=item.index,
                id=item.transaction_id,
                field=f"transactions[{item.index}]",
                description="transaction_id already stored with different content",
                code=CODE_CONFLICT,
            )
        response.rejected.sort(key=lambda e: e.index)
        await self._score([request.transactions[item.index] for item in outcome.accepted], response)
        return response

    @staticmethod
    def _prepare(
        transactions: Sequence[common_pb2.Transaction], response: ingest_pb2.IngestTransactionsResponse
    ) -> list[NewTransaction]:
        now = time.time()
        now_us = int(now * 1_000_000)
        prepared = []
        for index, tx in enumerate(transactions):
            violations = transaction_violations(tx, f"transactions[{index}]", now)
            if violations:
                first = violations.items[0]
                response.rejected.add(
                    index=index,
                    id=tx.transaction_id,
                    field=first.field,
                    description=first.description,
                    code=CODE_INVALID,
                )
                continue
            payload = tx.SerializeToString(deterministic=True)
            prepared.append(NewTransaction(index, tx.transaction_id, payload, to_row(tx, payload, now_us)))
        return prepared

    async def _score(
        self, accepted: list[common_pb2.Transaction], response: ingest_pb2.IngestTransactionsResponse
    ) -> None:
        if not accepted:
            response.scoring_state = ingest_pb2.SCORING_STATE_SCORED
            return
        decisions = await self._scorer.score(accepted)
        if decisions is None:
            response.scoring_state = self._scorer.state_when_skipped  # type: ignore[assignment]
            return
        await asyncio.to_thread(self._store.record_decisions, decisions)
        response.scoring_state = ingest_pb2.SCORING_STATE_SCORED
        response.decisions.extend(decisions)

    async def score_stored(self, stored: list[NewTransaction]) -> None:
        """Score transactions stored by another path (offline bills); unscored ones are swept later."""
        if not stored:
            return
        decisions = await self._scorer.score([common_pb2.Transaction.FromString(t.payload) for t in stored])
        if decisions is not None:
            await asyncio.to_thread(self._store.record_decisions, decisions)
