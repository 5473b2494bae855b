"""The background job that anchors stored decisions on the ledger, a batch per ledger transaction."""

from __future__ import annotations

import asyncio
import logging
import time

import grpc
from opentelemetry import trace
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk_runtime import Backoff

from ..store.anchors import AnchorStore, DecisionBatch
from .content import anchored_content

logger = logging.getLogger("payrisk.ingest.anchoring")
tracer = trace.get_tracer("payrisk.ingest.anchoring")


def _now_us() -> int:
    return time.time_ns() // 1000


class DecisionAnchorer:
    """Anchors decisions in the order they were stored. A batch the ledger did not confirm is asked again,
    unchanged, before any new one (the ledger answers a repeated batch with the receipts it recorded)."""

    def __init__(
        self,
        store: AnchorStore,
        ledger: ledger_pb2_grpc.LedgerServiceStub,
        *,
        batch_size: int,
        interval_seconds: float,
        deadline_seconds: float,
    ) -> None:
        self._store = store
        self._ledger = ledger
        self._batch_size = batch_size
        self._interval = interval_seconds
        self._deadline = deadline_seconds

    async def anchor_once(self) -> int:
        """Anchors one batch; returns how many decisions it held (0 when there was nothing to do)."""
        batch = await asyncio.to_thread(self._store.pending_batch)
        if batch is None:
            batch = await asyncio.to_thread(self._store.reserve_batch, self._batch_size, _now_us())
        if batch is None:
            return 0
        receipts = await self._anchor(batch)
        await asyncio.to_thread(self._store.save_receipts, batch.batch_id, receipts, _now_us())
        return len(batch.items)

    async def _anchor(self, batch: DecisionBatch) -> list[ledger_pb2.Receipt]:
        records = [
            ledger_pb2.Record(
                record_id=item.transaction_id,
                content=anchored_content(item.transaction_id, item.payload, item.decision),
            )
            for item in batch.items
        ]
        with tracer.start_as_current_span("anchor decisions") as span:
            span.set_attribute("payrisk.batch_id", batch.batch_id)
            span.set_attribute("payrisk.records", len(records))
            response = await self._ledger.AnchorRecords(
                ledger_pb2.AnchorRecordsRequest(
                    batch_id=batch.batch_id, kind=ledger_pb2.RECORD_KIND_DECISION, records=records
                ),
                timeout=self._deadline,
            )
            span.set_attribute("payrisk.ledger_transaction_id", response.commit.transaction_id)
        return list(response.receipts)

    async def run(self) -> None:
        backoff = Backoff(base_seconds=min(self._interval, 1.0), max_seconds=30.0)
        while True:
            try:
                while await self.anchor_once() == self._batch_size:
                    pass
                backoff.reset()
                await asyncio.sleep(self._interval)
            except grpc.aio.AioRpcError as error:
                delay = backoff.next_delay()
                logger.warning("anchoring decisions failed (%s); retrying in %.1f s", error.code(), delay)
                await asyncio.sleep(delay)
            except Exception:
                logger.exception("anchoring decisions failed; will retry")
                await backoff.wait()
