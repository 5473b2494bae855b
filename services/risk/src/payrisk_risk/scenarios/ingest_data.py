"""payrisk's transactions from ingest: full exports for learning, and a relation graph kept up to date
for matching."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc

from .graph import PAYRISK_SCALE, RelationGraph, TimeScale
from .records import to_transfers
from .remote import remote_errors

EXPORT_BATCH = 5_000


async def export_records(
    ingest: ingest_pb2_grpc.IngestServiceStub, after_sequence: int = 0
) -> tuple[list[ingest_pb2.TransactionRecord], int]:
    """Every record after a cursor, in ingestion order, and the cursor after the last."""
    records: list[ingest_pb2.TransactionRecord] = []
    cursor = after_sequence
    with remote_errors("ingest"):
        stream = ingest.ExportTransactions(
            ingest_pb2.ExportTransactionsRequest(after_sequence=after_sequence, batch_size=EXPORT_BATCH)
        )
        async for batch in stream:
            records.extend(batch.records)
            cursor = max(cursor, batch.cursor)
    return records, cursor


class TransactionGraph:
    """The relation graph of everything ingest holds, refreshed from where the last export ended.

    A graph at most `max_age_seconds` old is reused, so a burst of matches does not rebuild it each time;
    a transaction the graph does not hold yet always triggers a refresh.
    """

    def __init__(
        self,
        ingest: ingest_pb2_grpc.IngestServiceStub,
        scale: TimeScale = PAYRISK_SCALE,
        max_age_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ingest = ingest
        self._scale = scale
        self._max_age = max_age_seconds
        self._clock = clock
        self._transactions: list[common_pb2.Transaction] = []
        self._cursor = 0
        self._graph: RelationGraph | None = None
        self._built_at = 0.0
        self._lock = asyncio.Lock()

    def _fresh(self, transaction_id: str) -> bool:
        return (
            self._graph is not None
            and transaction_id in self._graph.index_of
            and self._clock() - self._built_at < self._max_age
        )

    async def graph_with(self, transaction_id: str) -> RelationGraph:
        async with self._lock:
            if self._fresh(transaction_id) and self._graph is not None:
                return self._graph
            records, self._cursor = await export_records(self._ingest, self._cursor)
            self._transactions.extend(r.transaction for r in records)
            if records or self._graph is None:
                transfers = await asyncio.to_thread(to_transfers, list(self._transactions))
                self._graph = await asyncio.to_thread(RelationGraph, transfers, self._scale)
            self._built_at = self._clock()
            return self._graph

    async def absorb(self, records: list[ingest_pb2.TransactionRecord], cursor: int) -> None:
        """Take over a full export made for another purpose, so the next match exports only what is new."""
        async with self._lock:
            if cursor > self._cursor:
                self._transactions = [r.transaction for r in records]
                self._cursor, self._graph = cursor, None

    def clear(self) -> None:
        self._transactions, self._cursor, self._graph = [], 0, None
