"""Labelled transactions to train on: exported from ingest in the order they arrived."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import numpy as np
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc

from ..clients import call
from ..features import Columns, columns_from_transactions
from .lifecycle import Labels

EXPORT_BATCH = 10_000


def _decode(records: list[ingest_pb2.TransactionRecord]) -> tuple[Columns, Labels]:
    cols = columns_from_transactions([r.transaction for r in records])
    return cols, np.array([r.label for r in records], dtype=np.int64)


async def ingest_batches(
    ingest: ingest_pb2_grpc.IngestServiceStub, start_us: int | None, end_us: int | None
) -> AsyncIterator[tuple[Columns, Labels]]:
    """Every transaction (labelled or not: features need whole histories) with its label, in ingestion order."""
    request = ingest_pb2.ExportTransactionsRequest(batch_size=EXPORT_BATCH)
    if start_us is not None:
        request.start_time.FromMicroseconds(start_us)
    if end_us is not None:
        request.end_time.FromMicroseconds(end_us)
    stream = ingest.ExportTransactions(request)
    while True:
        response = await call("ingest", stream.read())
        if response is grpc.aio.EOF:  # type: ignore[attr-defined]
            return
        yield await asyncio.to_thread(_decode, list(response.records))
