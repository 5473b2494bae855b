"""Anchors are written to a local outbox before they go to the ledger, and retried until committed.

A restart of the service, or a ledger that is down, therefore loses no anchoring request; the ledger's
refusal of a duplicate batch id keeps retries from committing anything twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .backend import LedgerBackend
from .errors import AnchorExists, LedgerUnavailable
from .model import Anchor, AnchoredBatch
from .models import OUTBOX

logger = logging.getLogger("payrisk.ledger.outbox")


class AnchorOutbox:
    def __init__(self, engine: Engine, backend: LedgerBackend) -> None:
        self._engine = engine
        self._backend = backend

    def _keep(self, anchor: Anchor) -> None:
        insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        row = {"batch_id": anchor.batch_id, "anchor": json.dumps(dataclasses.asdict(anchor)),
               "created_at_us": time.time_ns() // 1000}  # fmt: skip
        with self._engine.begin() as conn:
            conn.execute(insert(OUTBOX).values(**row).on_conflict_do_nothing(index_elements=["batch_id"]))

    def _forget(self, batch_id: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(OUTBOX).where(OUTBOX.c.batch_id == batch_id))

    def _note_failure(self, batch_id: str, error: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.batch_id == batch_id)
                .values(attempts=OUTBOX.c.attempts + 1, last_error=error[:500])
            )

    def pending(self) -> list[Anchor]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(OUTBOX.c.anchor).order_by(OUTBOX.c.created_at_us)).all()
        return [Anchor(**json.loads(r.anchor)) for r in rows]

    async def commit(self, anchor: Anchor) -> AnchoredBatch:
        """Commit now, or raise LedgerUnavailable with the anchor kept for the retry loop."""
        await asyncio.to_thread(self._keep, anchor)
        return await self._attempt(anchor)

    async def _attempt(self, anchor: Anchor) -> AnchoredBatch:
        try:
            anchored = await self._backend.anchor(anchor)
        except AnchorExists:
            # An earlier attempt landed after all (or the id was reused): the ledger's copy decides.
            existing = await self._backend.get_anchor(anchor.batch_id)
            if existing is None:
                raise
            await asyncio.to_thread(self._forget, anchor.batch_id)
            if existing.anchor.merkle_root != anchor.merkle_root:
                raise
            return existing
        except LedgerUnavailable as error:
            await asyncio.to_thread(self._note_failure, anchor.batch_id, str(error))
            raise
        await asyncio.to_thread(self._forget, anchor.batch_id)
        return anchored

    async def retry_pending(self) -> int:
        """One pass over what is waiting; returns how many were committed."""
        committed = 0
        for anchor in await asyncio.to_thread(self.pending):
            try:
                await self._attempt(anchor)
                committed += 1
            except LedgerUnavailable:
                logger.warning("ledger still unavailable; %s stays in the outbox", anchor.batch_id)
                break
            except AnchorExists:
                logger.error(
                    "batch %s was anchored with a different root; dropped from the outbox", anchor.batch_id
                )
        return committed

    async def run(self, interval_seconds: float) -> None:
        while True:
            try:
                await self.retry_pending()
            except Exception:
                logger.exception("outbox pass failed; will retry")
            await asyncio.sleep(interval_seconds)
