"""Device assessments as protobuf messages."""

from __future__ import annotations

from payrisk.ledger.v1 import ledger_pb2
from payrisk.risk.v1 import risk_pb2

from .assessment import Assessment


def assessment_message(
    assessment: Assessment, record: bytes, anchored: ledger_pb2.AnchorRecordsResponse | None
) -> risk_pb2.DeviceAssessment:
    message = risk_pb2.DeviceAssessment(
        device_id=assessment.device_id,
        level=assessment.level,  # type: ignore[arg-type]
        findings=[
            risk_pb2.DeviceFinding(kind=f.kind, detail=f.detail, severity=f.severity, tag_set=f.tag_set)  # type: ignore[arg-type]
            for f in assessment.findings
        ],
        clusters=[
            risk_pb2.TagCluster(tag_set=c.tag_set, bills=c.bills, failed_verifications=c.failed)
            for c in assessment.clusters
        ],
        verification_correlation=assessment.correlation,
        merged_bills=assessment.merged_bills,
        missing_sequences=assessment.missing_sequences,
        anchored_record=record,
    )
    if anchored is not None:
        message.receipt.CopyFrom(
            risk_pb2.LedgerReceipt(
                batch_id=anchored.batch_id,
                merkle_root=anchored.merkle_root.hex(),
                ledger_transaction_id=anchored.commit.transaction_id,
                block_number=anchored.commit.block_number,
                record_id=anchored.receipts[0].record_id if anchored.receipts else "",
            )
        )
    return message
