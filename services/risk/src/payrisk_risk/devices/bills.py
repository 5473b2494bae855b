"""A device's stored offline bills, opened: the signed bytes, and the payload they claim to carry."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import DecodeError
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2


@dataclass(frozen=True)
class DeviceBill:
    bill_id: str
    # The sequence number ingest stored the bill under.
    sequence: int
    payload: bytes
    signature: bytes
    synced_at_seconds: int
    # None when the payload is not an OfflineBillPayload.
    content: common_pb2.OfflineBillPayload | None

    @property
    def tags(self) -> tuple[str, ...]:
        """The bill's business tags, sorted and distinct."""
        if self.content is None:
            return ()
        return tuple(sorted(set(self.content.transaction.business_tags)))

    @property
    def tag_set(self) -> str:
        return ",".join(self.tags)


def _parse(payload: bytes) -> common_pb2.OfflineBillPayload | None:
    content = common_pb2.OfflineBillPayload()
    try:
        content.ParseFromString(payload)
    except DecodeError:
        return None
    return content


def open_bill(stored: ingest_pb2.StoredOfflineBill) -> DeviceBill:
    return DeviceBill(
        bill_id=stored.bill_id,
        sequence=stored.sequence,
        payload=stored.bill.payload,
        signature=stored.bill.signature,
        synced_at_seconds=stored.synced_at.seconds,
        content=_parse(stored.bill.payload),
    )
