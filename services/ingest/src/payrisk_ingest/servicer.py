"""IngestService over gRPC: translates between protobuf and the domain code, nothing more."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk_runtime import InvalidArgument, NotFound, annotate
from payrisk_runtime.validation import (
    Violations,
    check_geo_point,
    check_id,
    timestamp_micros,
    valid_timestamp,
)

from . import paging
from .access import caller, check_bills_are_its_own
from .ingestion import TransactionIngestor
from .offline import MAX_SEQUENCE, BillSync
from .records import bill_from_row, event_from_row, record_from_row
from .registration import register_devices, register_merchants
from .store import IngestStore, TransactionFilter
from .validation import list_min_score, list_outcomes

Context = Any
MAX_EXPORT_BATCH = 10_000
MAX_SETTLEMENT_UPDATE = 10_000


def _now_us() -> int:
    return time.time_ns() // 1000


def _time_range(start: Any, end: Any, has_start: bool, has_end: bool) -> tuple[int | None, int | None]:
    start_us = timestamp_micros("start_time", start.seconds, start.nanos) if has_start else None
    end_us = timestamp_micros("end_time", end.seconds, end.nanos) if has_end else None
    if start_us is not None and end_us is not None and end_us <= start_us:
        raise InvalidArgument.field("end_time", "must be after start_time")
    return start_us, end_us


class IngestServicer(ingest_pb2_grpc.IngestServiceServicer):
    def __init__(self, store: IngestStore, ingestor: TransactionIngestor, bills: BillSync) -> None:
        self._store = store
        self._ingestor = ingestor
        self._bills = bills

    async def RegisterMerchants(self, request: Any, context: Context) -> ingest_pb2.RegisterMerchantsResponse:
        outcome, rejected = await register_merchants(self._store.registry, request.merchants)
        return ingest_pb2.RegisterMerchantsResponse(
            registered=len(outcome.registered), unchanged=len(outcome.unchanged), rejected=rejected
        )

    async def RegisterDevices(self, request: Any, context: Context) -> ingest_pb2.RegisterDevicesResponse:
        outcome, rejected = await register_devices(self._store.registry, request.devices)
        return ingest_pb2.RegisterDevicesResponse(
            registered=len(outcome.registered), unchanged=len(outcome.unchanged), rejected=rejected
        )

    async def IngestTransactions(
        self, request_iterator: AsyncIterator[ingest_pb2.IngestTransactionsRequest], context: Context
    ) -> AsyncIterator[ingest_pb2.IngestTransactionsResponse]:
        async for response in self._ingestor.ingest_stream(request_iterator):
            yield response

    async def SyncOfflineBills(self, request: Any, context: Context) -> ingest_pb2.SyncOfflineBillsResponse:
        if len(request.bills) > MAX_EXPORT_BATCH:
            raise InvalidArgument.field("bills", f"at most {MAX_EXPORT_BATCH} bills per request")
        check_bills_are_its_own(caller(context), request.bills)
        result = await asyncio.to_thread(self._bills.sync, list(request.bills), _now_us())
        await self._ingestor.score_stored(result.new_transactions)
        return ingest_pb2.SyncOfflineBillsResponse(
            accepted=result.accepted,
            duplicates=result.duplicates,
            rejected=result.rejected,
            events=result.events,
        )

    async def LabelTransactions(self, request: Any, context: Context) -> ingest_pb2.LabelTransactionsResponse:
        response = ingest_pb2.LabelTransactionsResponse()
        now_us = _now_us()
        for index, label in enumerate(request.labels):
            violations = Violations()
            check_id(violations, f"labels[{index}].transaction_id", label.transaction_id)
            if label.label not in (common_pb2.FRAUD_LABEL_FRAUD, common_pb2.FRAUD_LABEL_LEGITIMATE):
                violations.add(f"labels[{index}].label", "must be FRAUD or LEGITIMATE")
            if label.HasField("labeled_at") and not valid_timestamp(
                label.labeled_at.seconds, label.labeled_at.nanos
            ):
                violations.add(f"labels[{index}].labeled_at", "is not a valid timestamp")
            if violations:
                first = violations.items[0]
                response.rejected.add(
                    index=index,
                    id=label.transaction_id,
                    field=first.field,
                    description=first.description,
                    code=common_pb2.ITEM_ERROR_CODE_INVALID,
                )
                continue
            labeled_at = label.labeled_at.seconds * 1_000_000 + label.labeled_at.nanos // 1000
            if not label.HasField("labeled_at"):
                labeled_at = now_us
            if await asyncio.to_thread(self._store.transactions.set_label, label, labeled_at):
                response.labeled += 1
            else:
                response.rejected.add(
                    index=index,
                    id=label.transaction_id,
                    field=f"labels[{index}].transaction_id",
                    description="unknown transaction",
                    code=common_pb2.ITEM_ERROR_CODE_UNKNOWN_REFERENCE,
                )
        return response

    async def GetTransaction(self, request: Any, context: Context) -> ingest_pb2.GetTransactionResponse:
        violations = Violations()
        check_id(violations, "transaction_id", request.transaction_id)
        violations.raise_if_any()
        row = await asyncio.to_thread(self._store.transactions.get, request.transaction_id)
        if row is None:
            raise NotFound(f"transaction {request.transaction_id} not found")
        receipts = await asyncio.to_thread(self._store.anchors.receipts, [row.transaction_id])
        return ingest_pb2.GetTransactionResponse(
            record=record_from_row(row, receipts.get(row.transaction_id))
        )

    async def ListTransactions(self, request: Any, context: Context) -> ingest_pb2.ListTransactionsResponse:
        annotate(merchant_id=request.merchant_id)
        size = paging.page_size(request.page_size)
        after = paging.decode_token(request.page_token)
        if after and not after.isdigit():
            raise InvalidArgument.field("page_token", "is not a token this service issued")
        start_us, end_us = _time_range(
            request.start_time, request.end_time, request.HasField("start_time"), request.HasField("end_time")
        )
        filters = TransactionFilter(
            merchant_id=request.merchant_id,
            start_us=start_us,
            end_us=end_us,
            settlement_status=request.settlement_status,
            outcomes=list_outcomes(request.outcomes),
            min_score=list_min_score(request.min_score),
        )
        rows = await asyncio.to_thread(
            self._store.transactions.page,
            filters,
            int(after or 0),
            size + 1,
            newest_first=request.newest_first,
        )
        receipts = await asyncio.to_thread(
            self._store.anchors.receipts, [r.transaction_id for r in rows[:size]]
        )
        response = ingest_pb2.ListTransactionsResponse(
            records=[record_from_row(r, receipts.get(r.transaction_id)) for r in rows[:size]]
        )
        if len(rows) > size:
            response.next_page_token = paging.encode_token(str(rows[size - 1].seq))
        return response

    async def ExportTransactions(
        self, request: Any, context: Context
    ) -> AsyncIterator[ingest_pb2.ExportTransactionsResponse]:
        if request.after_sequence < 0:
            raise InvalidArgument.field("after_sequence", "must not be negative")
        if not 0 <= request.batch_size <= MAX_EXPORT_BATCH:
            raise InvalidArgument.field("batch_size", f"must be between 1 and {MAX_EXPORT_BATCH}")
        start_us, end_us = _time_range(
            request.start_time, request.end_time, request.HasField("start_time"), request.HasField("end_time")
        )
        filters = TransactionFilter(
            merchant_id=request.merchant_id,
            start_us=start_us,
            end_us=end_us,
            channel=request.channel,
            labeled_only=request.labeled_only,
        )
        size = request.batch_size or 1000
        cursor = request.after_sequence
        while True:
            rows = await asyncio.to_thread(self._store.transactions.page, filters, cursor, size)
            if not rows:
                return
            cursor = rows[-1].seq or cursor
            yield ingest_pb2.ExportTransactionsResponse(
                records=[record_from_row(r) for r in rows], cursor=cursor
            )
            if len(rows) < size:
                return

    async def GetMerchant(self, request: Any, context: Context) -> ingest_pb2.GetMerchantResponse:
        row = await asyncio.to_thread(self._store.registry.merchant, request.merchant_id)
        if row is None:
            raise NotFound(f"merchant {request.merchant_id!r} not found")
        return ingest_pb2.GetMerchantResponse(merchant=common_pb2.Merchant.FromString(row.payload))

    async def ListMerchants(self, request: Any, context: Context) -> ingest_pb2.ListMerchantsResponse:
        size = paging.page_size(request.page_size)
        after = paging.decode_token(request.page_token)
        near = None
        if request.HasField("near"):
            violations = Violations()
            check_geo_point(violations, "near", request.near)
            if request.radius_meters <= 0:
                violations.add("radius_meters", "must be positive when near is set")
            violations.raise_if_any()
            near = (request.near.latitude, request.near.longitude)
        rows = await asyncio.to_thread(
            self._store.registry.merchants, after, size + 1, near, request.radius_meters
        )
        response = ingest_pb2.ListMerchantsResponse(
            merchants=[common_pb2.Merchant.FromString(r.payload) for r in rows[:size]]
        )
        if len(rows) > size:
            response.next_page_token = paging.encode_token(rows[size - 1].merchant_id)
        return response

    async def GetDevice(self, request: Any, context: Context) -> ingest_pb2.GetDeviceResponse:
        row = await asyncio.to_thread(self._store.registry.device, request.device_id)
        if row is None:
            raise NotFound(f"device {request.device_id!r} not found")
        return ingest_pb2.GetDeviceResponse(
            device=common_pb2.Device.FromString(row.payload), last_sequence=row.last_sequence
        )

    async def ListDeviceEvents(self, request: Any, context: Context) -> ingest_pb2.ListDeviceEventsResponse:
        rows = await asyncio.to_thread(self._store.bills.events, request.device_id)
        return ingest_pb2.ListDeviceEventsResponse(events=[event_from_row(r) for r in rows])

    async def ListOfflineBills(self, request: Any, context: Context) -> ingest_pb2.ListOfflineBillsResponse:
        size = paging.page_size(request.page_size)
        if request.after_sequence > MAX_SEQUENCE:
            raise InvalidArgument.field("after_sequence", f"must be at most {MAX_SEQUENCE}")
        rows = await asyncio.to_thread(
            self._store.bills.bills, request.device_id, request.after_sequence, size
        )
        return ingest_pb2.ListOfflineBillsResponse(bills=[bill_from_row(r) for r in rows])

    async def UpdateSettlementStatus(
        self, request: Any, context: Context
    ) -> ingest_pb2.UpdateSettlementStatusResponse:
        if request.status == common_pb2.SETTLEMENT_STATUS_UNSPECIFIED:
            raise InvalidArgument.field("status", "is required")
        if len(request.transaction_ids) > MAX_SETTLEMENT_UPDATE:
            raise InvalidArgument.field("transaction_ids", f"at most {MAX_SETTLEMENT_UPDATE} per request")
        ids = list(request.transaction_ids)
        found = await asyncio.to_thread(self._store.transactions.set_settlement_status, ids, request.status)
        response = ingest_pb2.UpdateSettlementStatusResponse(updated=len(found))
        for index, transaction_id in enumerate(ids):
            if transaction_id not in found:
                response.rejected.add(
                    index=index,
                    id=transaction_id,
                    field=f"transaction_ids[{index}]",
                    description="unknown transaction",
                    code=common_pb2.ITEM_ERROR_CODE_UNKNOWN_REFERENCE,
                )
        return response
