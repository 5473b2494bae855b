"""Where offline bills come from: ingest's export stream, resumable from a cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc


@dataclass(frozen=True)
class Page:
    bills: list[common_pb2.Transaction]
    # Where the next page starts; saved with the model, so a restart carries on from here.
    cursor: int


class BillSource(Protocol):
    def pages(self, after: int) -> AsyncIterator[Page]: ...


class IngestBills:
    """Offline transactions exported by ingest after a cursor, a page at a time."""

    def __init__(self, ingest: ingest_pb2_grpc.IngestServiceStub, page_size: int) -> None:
        self._ingest = ingest
        self._page_size = page_size

    async def pages(self, after: int) -> AsyncIterator[Page]:
        request = ingest_pb2.ExportTransactionsRequest(
            after_sequence=after, channel=common_pb2.CHANNEL_OFFLINE, batch_size=self._page_size
        )
        async for response in self._ingest.ExportTransactions(request):
            yield Page([record.transaction for record in response.records], response.cursor)
