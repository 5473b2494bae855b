"""Taking in batches of transactions: validate each, store new ones once, score what was stored.

A batch goes through two steps so that a stream can overlap them: `prepare` (validation and encoding, on
the event loop) and `complete` (storage in a worker thread, then scoring).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk_runtime import InvalidArgument

from .scoring import Scorer
from .store import NewTransaction, TransactionStore, to_row
from .validation import plainly_valid, transaction_violations

# Batches validated ahead of the one being stored.
READ_AHEAD = 2


@dataclass(slots=True)
class PreparedBatch:
    request: ingest_pb2.IngestTransactionsRequest
    response: ingest_pb2.IngestTransactionsResponse
    items: list[NewTransaction]


_Pending = asyncio.Task[ingest_pb2.IngestTransactionsResponse] | Exception | None


class TransactionIngestor:
    def __init__(self, store: TransactionStore, scorer: Scorer, max_batch_size: int) -> None:
        self._store = store
        self._scorer = scorer
        self._max_batch_size = max_batch_size

    async def ingest(
        self, request: ingest_pb2.IngestTransactionsRequest
    ) -> ingest_pb2.IngestTransactionsResponse:
        return await self.complete(self.prepare(request))

    async def ingest_stream(
        self, requests: AsyncIterator[ingest_pb2.IngestTransactionsRequest]
    ) -> AsyncIterator[ingest_pb2.IngestTransactionsResponse]:
        """Responses in request order, each as soon as its batch is stored.

        A reader validates the next batches while earlier ones are stored; it runs at most `READ_AHEAD` batches
        ahead, so a fast client cannot pile up memory. A bad batch fails the stream after every batch before it
        has been answered.
        """
        pending: asyncio.Queue[_Pending] = asyncio.Queue(READ_AHEAD)

        async def read() -> None:
            try:
                async for request in requests:
                    await pending.put(asyncio.create_task(self.complete(self.prepare(request))))
            except Exception as error:  # handed to the writer, which raises it in order
                await pending.put(error)
                return
            await pending.put(None)

        reader = asyncio.create_task(read())
        try:
            while (item := await pending.get()) is not None:
                if isinstance(item, Exception):
                    raise item
                yield await item
        finally:
            # Batches already handed to storage finish storing even if the client has gone.
            reader.cancel()

    def prepare(self, request: ingest_pb2.IngestTransactionsRequest) -> PreparedBatch:
        if len(request.transactions) > self._max_batch_size:
            raise InvalidArgument.field(
                "transactions", f"at most {self._max_batch_size} transactions per batch"
            )
        response = ingest_pb2.IngestTransactionsResponse(batch_id=request.batch_id)
        now = time.time()
        now_us = int(now * 1_000_000)
        initial_state = self._scorer.state_when_skipped
        items = []
        for index, tx in enumerate(request.transactions):
            if not plainly_valid(tx, now):
                violations = transaction_violations(tx, f"transactions[{index}]", now)
                first = violations.items[0]
                response.rejected.add(
                    index=index,
                    id=tx.transaction_id,
                    field=first.field,
                    description=first.description,
                    code=common_pb2.ITEM_ERROR_CODE_INVALID,
                )
                continue
            payload = tx.SerializeToString(deterministic=True)
            items.append(
                NewTransaction(index, tx.transaction_id, payload, to_row(tx, payload, now_us, initial_state))
            )
        return PreparedBatch(request, response, items)

    async def complete(self, batch: PreparedBatch) -> ingest_pb2.IngestTransactionsResponse:
        response = batch.response
        outcome = await asyncio.to_thread(self._store.insert, batch.items)
        response.accepted = len(outcome.accepted)
        response.duplicates = len(outcome.duplicates)
        for item in outcome.conflicts:
            response.rejected.add(
                index=item.index,
                id=item.transaction_id,
                field=f"transactions[{item.index}]",
                description="transaction_id already stored with different content",
                code=common_pb2.ITEM_ERROR_CODE_CONFLICT,
            )
        response.rejected.sort(key=lambda e: e.index)
        await self._score([batch.request.transactions[item.index] for item in outcome.accepted], response)
        return response

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
