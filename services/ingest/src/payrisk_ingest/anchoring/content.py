"""The exact bytes a decision is anchored as.

Canonical JSON (sorted keys, no spaces, UTF-8) of the decision and the SHA-256 of the transaction's stored
bytes, so the receipt proves both what was decided and about which transaction. It is derived from what
ingest stores, never stored twice, and anyone with the record can rebuild and check it.
"""

from __future__ import annotations

import hashlib
import json

from payrisk.common.v1 import common_pb2


def anchored_content(transaction_id: str, payload: bytes, decision: bytes) -> bytes:
    d = common_pb2.Decision.FromString(decision)
    document = {
        "transaction_id": transaction_id,
        "transaction_sha256": hashlib.sha256(payload).hexdigest(),
        "score": d.score,
        "outcome": common_pb2.Outcome.Name(d.outcome),
        "model_version": d.model_version,
        "decided_at": d.decided_at.ToJsonString() if d.HasField("decided_at") else "",
        "reasons": [
            {"feature": r.feature, "contribution": r.contribution, "value": r.value} for r in d.reasons
        ],
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
