"""The record a device verdict is anchored as: canonical JSON of the assessment, and a batch id derived
from the device and the content, so assessing the same state again anchors nothing new."""

from __future__ import annotations

import hashlib
import json

from payrisk.common.v1 import common_pb2
from payrisk.risk.v1 import risk_pb2

from .assessment import Assessment

RECORD_ID = "device-verdict"
# Batch ids are at most 128 characters; longer device ids are represented by their hash.
_MAX_READABLE_ID = 64


def content(assessment: Assessment) -> bytes:
    document = {
        "device_id": assessment.device_id,
        "level": risk_pb2.SecurityLevel.Name(assessment.level),  # type: ignore[arg-type]
        "findings": [
            {
                "kind": f.kind,
                "detail": f.detail,
                "severity": common_pb2.RiskLevel.Name(f.severity),  # type: ignore[arg-type]
                "tag_set": f.tag_set,
            }
            for f in assessment.findings
        ],
        "clusters": [
            {"tag_set": c.tag_set, "bills": c.bills, "failed": c.failed} for c in assessment.clusters
        ],
        "verification_correlation": round(assessment.correlation, 6),
        "merged_bills": assessment.merged_bills,
        "missing_sequences": assessment.missing_sequences,
        "evidence_sha256": assessment.evidence,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def batch_id(device_id: str, record: bytes) -> str:
    digest = hashlib.sha256(record).hexdigest()[:32]
    device = (
        device_id
        if len(device_id) <= _MAX_READABLE_ID
        else hashlib.sha256(device_id.encode()).hexdigest()[:32]
    )
    return f"device-verdict:{device}:{digest}"
