"""Stored rows back into the messages clients see."""

from __future__ import annotations

from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2

from .anchoring.content import anchored_content
from .models import DeviceEventRow, OfflineBillRow, StoredTransaction


def transaction_from_row(row: StoredTransaction) -> common_pb2.Transaction:
    return common_pb2.Transaction.FromString(row.payload)


def record_from_row(
    row: StoredTransaction, receipt: ledger_pb2.Receipt | None = None
) -> ingest_pb2.TransactionRecord:
    record = ingest_pb2.TransactionRecord(
        transaction=transaction_from_row(row),
        settlement_status=row.settlement_status,  # type: ignore[arg-type]
        scoring_state=row.scoring_state,  # type: ignore[arg-type]
        label=row.label,  # type: ignore[arg-type]
        label_scenario=row.label_scenario or "",
        sequence=row.seq or 0,
        bill_id=row.bill_id or "",
    )
    record.ingested_at.FromMicroseconds(row.ingested_at_us)
    if row.decision:
        record.decision.ParseFromString(row.decision)
        if receipt is not None:
            record.decision_receipt.CopyFrom(receipt)
            record.anchored_decision = anchored_content(row.transaction_id, row.payload, row.decision)
    return record


def event_from_row(row: DeviceEventRow) -> ingest_pb2.SequenceEvent:
    event = ingest_pb2.SequenceEvent(
        device_id=row.device_id,
        kind=row.kind,  # type: ignore[arg-type]
        first_sequence=row.first_sequence,
        last_sequence=row.last_sequence,
        bill_id=row.bill_id,
    )
    event.detected_at.FromMicroseconds(row.detected_at_us)
    return event


def bill_from_row(row: OfflineBillRow) -> ingest_pb2.StoredOfflineBill:
    stored = ingest_pb2.StoredOfflineBill(
        bill=common_pb2.OfflineBill(payload=row.payload, signature=row.signature),
        bill_id=row.bill_id,
        sequence=row.sequence,
    )
    stored.synced_at.FromMicroseconds(row.synced_at_us)
    return stored
