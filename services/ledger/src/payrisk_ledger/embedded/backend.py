"""EmbeddedLedger: the LedgerBackend on a local signed log, for development and unit tests."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, select

from ..errors import AnchorExists, FreezeAlreadyReleased, FreezeExists, FreezeNotFound
from ..model import Anchor, AnchoredBatch, Commit, Freeze, FreezeStatus, HistoryEntry, LedgerInfo
from ..models import BLOCKS, BlockRow
from .chain import GENESIS, ChainVerification, block_hash, canonical, verify_blocks


def _freeze_key(freeze_id: str) -> str:
    return f"freeze:{freeze_id}"


def _anchor_key(batch_id: str) -> str:
    return f"anchor:{batch_id}"


def _freeze_from(payload: bytes) -> Freeze:
    data = json.loads(payload)
    data["transaction_ids"] = tuple(data["transaction_ids"])
    data["status"] = FreezeStatus(data["status"])
    return Freeze(**data)


class EmbeddedLedger:
    name = "embedded"

    def __init__(self, engine: Engine, key: Ed25519PrivateKey) -> None:
        self._engine = engine
        self._key = key
        self._write = asyncio.Lock()

    # Writes: one block each, appended under a lock so the chain has no forks.

    def _append(self, kind: str, key: str, subject: str, value: dict[str, Any], now_us: int) -> Commit:
        payload = canonical(value)
        with self._engine.begin() as conn:
            last = conn.execute(
                select(BLOCKS.c.number, BLOCKS.c.hash).order_by(BLOCKS.c.number.desc()).limit(1)
            ).first()
            number, previous = (last.number + 1, last.hash) if last else (1, GENESIS)
            transaction_id = hashlib.sha256(previous + payload + str(now_us).encode()).hexdigest()
            digest = block_hash(number, transaction_id, kind, key, payload, now_us, previous)
            conn.execute(
                BLOCKS.insert().values(
                    number=number, transaction_id=transaction_id, kind=kind, key=key, subject=subject,
                    payload=payload, timestamp_us=now_us, previous_hash=previous, hash=digest,
                    signature=self._key.sign(digest),
                )
            )  # fmt: skip
        return Commit(transaction_id, number)

    def _latest(self, key: str) -> BlockRow | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(BLOCKS).where(BLOCKS.c.key == key).order_by(BLOCKS.c.number.desc()).limit(1)
            ).first()
        return BlockRow.model_validate(row._mapping) if row else None

    async def create_freeze(self, freeze: Freeze) -> tuple[Freeze, Commit]:
        async with self._write:
            return await asyncio.to_thread(self._create_freeze, freeze)

    def _create_freeze(self, freeze: Freeze) -> tuple[Freeze, Commit]:
        if self._latest(_freeze_key(freeze.freeze_id)) is not None:
            raise FreezeExists(f"freeze {freeze.freeze_id} already exists")
        now_us = time.time_ns() // 1000
        stored = dataclasses.replace(freeze, status=FreezeStatus.FROZEN, created_at_us=now_us)
        commit = self._append(
            "freeze", _freeze_key(freeze.freeze_id), freeze.merchant_id, dataclasses.asdict(stored), now_us
        )
        return stored, commit

    async def release_freeze(self, freeze_id: str, reason: str) -> tuple[Freeze, Commit]:
        async with self._write:
            return await asyncio.to_thread(self._release_freeze, freeze_id, reason)

    def _release_freeze(self, freeze_id: str, reason: str) -> tuple[Freeze, Commit]:
        block = self._latest(_freeze_key(freeze_id))
        if block is None:
            raise FreezeNotFound(f"freeze {freeze_id} not found")
        current = _freeze_from(block.payload)
        if current.status == FreezeStatus.RELEASED:
            raise FreezeAlreadyReleased(f"freeze {freeze_id} was already released")
        now_us = time.time_ns() // 1000
        released = dataclasses.replace(
            current, status=FreezeStatus.RELEASED, released_at_us=now_us, release_reason=reason
        )
        commit = self._append("release", block.key, current.merchant_id, dataclasses.asdict(released), now_us)
        return released, commit

    async def get_freeze(self, freeze_id: str) -> Freeze | None:
        block = await asyncio.to_thread(self._latest, _freeze_key(freeze_id))
        return _freeze_from(block.payload) if block else None

    async def list_freezes(self, merchant_id: str) -> list[Freeze]:
        def latest_per_freeze() -> list[Freeze]:
            latest = (
                select(func.max(BLOCKS.c.number))
                .where(BLOCKS.c.subject == merchant_id, BLOCKS.c.kind.in_(["freeze", "release"]))
                .group_by(BLOCKS.c.key)
            )
            with self._engine.connect() as conn:
                rows = conn.execute(
                    select(BLOCKS.c.payload).where(BLOCKS.c.number.in_(latest)).order_by(BLOCKS.c.number)
                )
                return [_freeze_from(r.payload) for r in rows]

        return await asyncio.to_thread(latest_per_freeze)

    async def history(self, freeze_id: str) -> list[HistoryEntry]:
        def entries() -> list[HistoryEntry]:
            query = select(BLOCKS).where(BLOCKS.c.key == _freeze_key(freeze_id)).order_by(BLOCKS.c.number)
            with self._engine.connect() as conn:
                rows = conn.execute(query).all()
            return [HistoryEntry(r.transaction_id, r.timestamp_us, _freeze_from(r.payload)) for r in rows]

        return await asyncio.to_thread(entries)

    async def anchor(self, anchor: Anchor) -> AnchoredBatch:
        async with self._write:
            return await asyncio.to_thread(self._anchor, anchor)

    def _anchor(self, anchor: Anchor) -> AnchoredBatch:
        if self._latest(_anchor_key(anchor.batch_id)) is not None:
            raise AnchorExists(f"batch {anchor.batch_id} is already anchored")
        now_us = time.time_ns() // 1000
        commit = self._append("anchor", _anchor_key(anchor.batch_id), "", dataclasses.asdict(anchor), now_us)
        return AnchoredBatch(anchor, commit)

    async def get_anchor(self, batch_id: str) -> AnchoredBatch | None:
        block = await asyncio.to_thread(self._latest, _anchor_key(batch_id))
        if block is None:
            return None
        return AnchoredBatch(Anchor(**json.loads(block.payload)), Commit(block.transaction_id, block.number))

    def verify(self) -> ChainVerification:
        """Recompute every hash and check every signature: any edit of the file shows here."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(BLOCKS).order_by(BLOCKS.c.number)).all()
        return verify_blocks([BlockRow.model_validate(r._mapping) for r in rows], self._key)

    async def info(self) -> LedgerInfo:
        def height() -> int:
            with self._engine.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(BLOCKS)).scalar_one())

        return LedgerInfo("embedded", "", await asyncio.to_thread(height), (), "")

    async def close(self) -> None:
        self._engine.dispose()
