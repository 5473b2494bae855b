"""Requests for ledger tests."""

from __future__ import annotations

from payrisk.ledger.v1 import ledger_pb2


def records(n: int) -> list[ledger_pb2.Record]:
    return [
        ledger_pb2.Record(record_id=f"r-{i}", content=f"decision {i}: APPROVE".encode()) for i in range(n)
    ]


async def anchor(ledger, batch_id: str = "batch-1", n: int = 7) -> ledger_pb2.AnchorRecordsResponse:
    return await ledger.AnchorRecords(
        ledger_pb2.AnchorRecordsRequest(
            batch_id=batch_id, kind=ledger_pb2.RECORD_KIND_DECISION, records=records(n)
        )
    )
