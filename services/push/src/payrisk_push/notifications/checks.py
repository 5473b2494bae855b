"""What a notification must be to be accepted."""

from __future__ import annotations

from payrisk.push.v1 import push_pb2
from payrisk_runtime.validation import Violations, check_id, valid_timestamp

MAX_TEXT = 2000
MAX_DATA_ENTRIES = 50
MAX_DATA_BYTES = 8192


def violations(n: push_pb2.Notification, prefix: str) -> Violations:
    v = Violations()
    check_id(v, f"{prefix}.notification_id", n.notification_id)
    if n.kind == push_pb2.NOTIFICATION_KIND_UNSPECIFIED or n.kind not in push_pb2.NotificationKind.values():
        v.add(f"{prefix}.kind", "is required")
    if bool(n.merchant_id) == bool(n.terminal_id):
        v.add(f"{prefix}.merchant_id", "exactly one of merchant_id and terminal_id is required")
    check_id(v, f"{prefix}.merchant_id", n.merchant_id, required=False)
    check_id(v, f"{prefix}.terminal_id", n.terminal_id, required=False)
    if not n.title:
        v.add(f"{prefix}.title", "is required")
    elif len(n.title) > MAX_TEXT:
        v.add(f"{prefix}.title", f"at most {MAX_TEXT} characters")
    if len(n.body) > MAX_TEXT:
        v.add(f"{prefix}.body", f"at most {MAX_TEXT} characters")
    size = sum(len(k.encode()) + len(value.encode()) for k, value in n.data.items())
    if len(n.data) > MAX_DATA_ENTRIES or size > MAX_DATA_BYTES:
        v.add(f"{prefix}.data", f"at most {MAX_DATA_ENTRIES} entries and {MAX_DATA_BYTES} bytes")
    if n.HasField("created_at") and not valid_timestamp(n.created_at.seconds, n.created_at.nanos):
        v.add(f"{prefix}.created_at", "is not a valid timestamp")
    return v
