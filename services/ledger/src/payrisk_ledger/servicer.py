"""LedgerService over gRPC: translation between protobuf and the Ledger, nothing more."""

from __future__ import annotations

from typing import Any

from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk_runtime import NotFound
from payrisk_runtime.validation import Violations, check_id

from . import convert
from .ledger import Ledger

Context = Any


def _require_id(field: str, value: str) -> None:
    v = Violations()
    check_id(v, field, value)
    v.raise_if_any()


class LedgerServicer(ledger_pb2_grpc.LedgerServiceServicer):
    def __init__(self, ledger: Ledger, max_records_per_anchor: int) -> None:
        self._ledger = ledger
        self._max_records = max_records_per_anchor

    async def FreezeFunds(self, request: Any, context: Context) -> ledger_pb2.FreezeFundsResponse:
        freeze, commit = await self._ledger.freeze(convert.freeze_from_request(request))
        return ledger_pb2.FreezeFundsResponse(
            freeze=convert.freeze_to_proto(freeze), commit=convert.commit_to_proto(commit)
        )

    async def ReleaseFunds(self, request: Any, context: Context) -> ledger_pb2.ReleaseFundsResponse:
        convert.check_release(request)
        freeze, commit = await self._ledger.release(request.freeze_id, request.reason)
        return ledger_pb2.ReleaseFundsResponse(
            freeze=convert.freeze_to_proto(freeze), commit=convert.commit_to_proto(commit)
        )

    async def GetFreeze(self, request: Any, context: Context) -> ledger_pb2.GetFreezeResponse:
        _require_id("freeze_id", request.freeze_id)
        freeze = await self._ledger.backend.get_freeze(request.freeze_id)
        if freeze is None:
            raise NotFound(f"freeze {request.freeze_id} not found")
        return ledger_pb2.GetFreezeResponse(freeze=convert.freeze_to_proto(freeze))

    async def ListFreezes(self, request: Any, context: Context) -> ledger_pb2.ListFreezesResponse:
        _require_id("merchant_id", request.merchant_id)
        freezes = await self._ledger.backend.list_freezes(request.merchant_id)
        return ledger_pb2.ListFreezesResponse(freezes=[convert.freeze_to_proto(f) for f in freezes])

    async def GetHistory(self, request: Any, context: Context) -> ledger_pb2.GetHistoryResponse:
        _require_id("freeze_id", request.freeze_id)
        entries = await self._ledger.backend.history(request.freeze_id)
        if not entries:
            raise NotFound(f"freeze {request.freeze_id} not found")
        return ledger_pb2.GetHistoryResponse(entries=[convert.history_to_proto(e) for e in entries])

    async def AnchorRecords(self, request: Any, context: Context) -> ledger_pb2.AnchorRecordsResponse:
        kind, records = convert.records_from_request(request, self._max_records)
        anchored, receipts = await self._ledger.anchor_records(request.batch_id, kind, records)
        return ledger_pb2.AnchorRecordsResponse(
            batch_id=request.batch_id,
            merkle_root=bytes.fromhex(anchored.anchor.merkle_root),
            commit=convert.commit_to_proto(anchored.commit),
            receipts=[convert.receipt_to_proto(r) for r in receipts],
        )

    async def VerifyReceipt(self, request: Any, context: Context) -> ledger_pb2.VerifyReceiptResponse:
        verification = await self._ledger.verify(convert.receipt_from_proto(request.receipt), request.content)
        return ledger_pb2.VerifyReceiptResponse(
            valid=verification.valid,
            reason=verification.reason,
            anchored_root=verification.anchored_root,
            commit=convert.commit_to_proto(verification.commit),
        )

    async def GetLedgerInfo(self, request: Any, context: Context) -> ledger_pb2.GetLedgerInfoResponse:
        info = await self._ledger.backend.info()
        return ledger_pb2.GetLedgerInfoResponse(
            backend=info.backend,
            channel=info.channel,
            height=info.height,
            peers=info.peers,
            chaincode=info.chaincode,
        )
