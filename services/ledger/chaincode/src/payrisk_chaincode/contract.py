"""The payrisk contract: fund freezes and Merkle-root anchors.

Transactions take and return JSON text. A refused request raises a ChaincodeError before anything is written,
so the peers' endorsement carries no writes and the client gets the error's message.
"""

from __future__ import annotations

import dataclasses
import os

from fabric_chaincode_python.fabric_contract_api import Contract, TransactionContext

from .errors import AlreadyExists, FailedPrecondition, NotFound
from .records import FROZEN, RELEASED, AnchorRecord, FreezeRecord, canonical_json
from .state import WorldState
from .validation import check_id, check_text, parse_anchor_request, parse_freeze_request

FREEZE_CREATED = "FreezeCreated"
FREEZE_RELEASED = "FreezeReleased"
BATCH_ANCHORED = "BatchAnchored"

READ_ONLY = ["GetFreeze", "ListMerchantFreezes", "GetHistory", "GetAnchor", "Ping"]


def world(ctx: TransactionContext) -> WorldState:
    return WorldState(ctx.get_stub())


class PayriskContract(Contract):
    Name = "payrisk"

    def get_evaluate_transactions(self) -> list[str]:
        return READ_ONLY

    async def CreateFreeze(self, ctx: TransactionContext, freeze_json: str) -> str:
        request = parse_freeze_request(freeze_json)
        state = world(ctx)
        key = state.freeze_key(request.freeze_id)
        if await state.get(key) is not None:
            raise AlreadyExists(f"freeze {request.freeze_id} already exists")
        record = FreezeRecord(**dataclasses.asdict(request), status=FROZEN, created_at_us=state.tx_time_us())
        payload = record.to_json()
        await state.put(key, payload)
        await state.index_merchant_freeze(record.merchant_id, record.freeze_id)
        state.emit(FREEZE_CREATED, payload)
        return payload

    async def ReleaseFreeze(self, ctx: TransactionContext, freeze_id: str, reason: str) -> str:
        check_id("freeze_id", freeze_id)
        check_text("reason", reason)
        state = world(ctx)
        key = state.freeze_key(freeze_id)
        stored = await state.get(key)
        if stored is None:
            raise NotFound(f"freeze {freeze_id} not found")
        current = FreezeRecord.from_json(stored)
        if current.status == RELEASED:
            raise FailedPrecondition(f"freeze {freeze_id} was already released")
        released = dataclasses.replace(
            current, status=RELEASED, released_at_us=state.tx_time_us(), release_reason=reason
        )
        payload = released.to_json()
        await state.put(key, payload)
        state.emit(FREEZE_RELEASED, payload)
        return payload

    async def GetFreeze(self, ctx: TransactionContext, freeze_id: str) -> str:
        """The freeze as JSON, or an empty result when there is none."""
        check_id("freeze_id", freeze_id)
        state = world(ctx)
        stored = await state.get(state.freeze_key(freeze_id))
        return stored.decode() if stored else ""

    async def ListMerchantFreezes(self, ctx: TransactionContext, merchant_id: str) -> str:
        """A JSON array of the merchant's freezes, by freeze id."""
        check_id("merchant_id", merchant_id)
        state = world(ctx)
        freezes = []
        for freeze_id in await state.merchant_freeze_ids(merchant_id):
            stored = await state.get(state.freeze_key(freeze_id))
            if stored is not None:
                freezes.append(FreezeRecord.from_json(stored))
        return canonical_json([dataclasses.asdict(f) for f in freezes])

    async def GetHistory(self, ctx: TransactionContext, freeze_id: str) -> str:
        """Every version of a freeze, oldest first: [{tx_id, timestamp_us, is_delete, freeze}]."""
        check_id("freeze_id", freeze_id)
        state = world(ctx)
        entries = [
            {
                "tx_id": m.tx_id,
                "timestamp_us": m.timestamp_us,
                "is_delete": m.is_delete,
                "freeze": None if m.is_delete else dataclasses.asdict(FreezeRecord.from_json(m.value)),
            }
            for m in await state.history(state.freeze_key(freeze_id))
        ]
        return canonical_json(entries)

    async def AnchorBatch(self, ctx: TransactionContext, anchor_json: str) -> str:
        request = parse_anchor_request(anchor_json)
        state = world(ctx)
        key = state.anchor_key(request.batch_id)
        if await state.get(key) is not None:
            raise AlreadyExists(f"batch {request.batch_id} is already anchored")
        record = AnchorRecord(
            **dataclasses.asdict(request), anchored_at_us=state.tx_time_us(), tx_id=ctx.get_stub().get_txid()
        )
        payload = record.to_json()
        await state.put(key, payload)
        state.emit(BATCH_ANCHORED, payload)
        return payload

    async def GetAnchor(self, ctx: TransactionContext, batch_id: str) -> str:
        """The anchor as JSON, or an empty result when the batch is not anchored."""
        check_id("batch_id", batch_id)
        state = world(ctx)
        stored = await state.get(state.anchor_key(batch_id))
        return stored.decode() if stored else ""

    async def Ping(self, ctx: TransactionContext) -> str:
        """Which package serves the chaincode: readiness checks and upgrades look at it."""
        return canonical_json({"contract": self.Name, "package_id": os.environ.get("CHAINCODE_ID", "")})
