"""Pulls offline bills from ingest's export stream, from where the last run stopped, into the model."""

from __future__ import annotations

import asyncio
import logging
import threading

from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from ..models import MODEL_STATE
from .environment import environment_of
from .model import Bill, PushModel
from .text import bill_tokens

logger = logging.getLogger("payrisk.push.mining")


def bill_of(transaction: common_pb2.Transaction) -> Bill:
    point = transaction.location.point
    return Bill(
        merchant_id=transaction.merchant_id,
        tokens=bill_tokens(
            transaction.description, list(transaction.business_tags), transaction.merchant_category_code
        ),
        tags=tuple(transaction.business_tags),
        environment=environment_of(
            point.latitude,
            point.longitude,
            transaction.occurred_at.seconds,
            transaction.merchant_category_code,
        ),
        title=transaction.description.split(" ")[0][:60] or transaction.merchant_id,
        latitude=point.latitude,
        longitude=point.longitude,
    )


class Miner:
    def __init__(self, engine: Engine, ingest: ingest_pb2_grpc.IngestServiceStub | None, topics: int) -> None:
        self._engine = engine
        self._ingest = ingest
        self._run_lock = asyncio.Lock()
        self._state_lock = threading.Lock()
        self.cursor, self.model = self._load(topics)

    def _load(self, topics: int) -> tuple[int, PushModel]:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(MODEL_STATE.c.cursor, MODEL_STATE.c.model).where(MODEL_STATE.c.id == 1)
            ).first()
        return (int(row.cursor), PushModel.load(row.model)) if row else (0, PushModel(topics))

    def _save(self) -> None:
        insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        values = {"id": 1, "cursor": self.cursor, "model": self.model.dump()}
        with self._state_lock, self._engine.begin() as conn:
            statement = insert(MODEL_STATE).values(**values)
            conn.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))

    async def mine(self, batch_size: int = 5000) -> int:
        """Mines every offline bill synced since the last run; returns how many."""
        if self._ingest is None:
            return 0
        async with self._run_lock:
            request = ingest_pb2.ExportTransactionsRequest(
                after_sequence=self.cursor, channel=common_pb2.CHANNEL_OFFLINE, batch_size=batch_size
            )
            mined = 0
            async for page in self._ingest.ExportTransactions(request):
                bills = [bill_of(r.transaction) for r in page.records]
                await asyncio.to_thread(self.model.learn, bills)
                self.cursor = page.cursor
                mined += len(bills)
            if mined:
                await asyncio.to_thread(self._save)
            return mined

    async def run(self, interval_seconds: float) -> None:
        while True:
            try:
                mined = await self.mine()
                if mined:
                    logger.info("mined %d offline bills (%d in all)", mined, self.model.bills)
            except Exception:
                logger.exception("mining failed; will retry")
            await asyncio.sleep(interval_seconds)
