"""Where offline bills come from: ingest's export stream, resumable from a cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

import grpc
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2

EXPORT = f"/{ingest_pb2.DESCRIPTOR.services_by_name['IngestService'].full_name}/ExportTransactions"


@dataclass(frozen=True)
class Page:
    """A serialised ExportTransactionsResponse, as it came off the wire: the miner reads it (see bills)."""

    data: bytes


class BillSource(Protocol):
    def pages(self, after: int) -> AsyncIterator[Page]: ...


class IngestBills:
    """Offline transactions exported by ingest after a cursor, a page at a time.

    The pages are taken as bytes, not messages: the miner reads the few fields it needs straight from them,
    in its own thread, instead of the event loop making a Python object of every field of every bill.
    """

    def __init__(self, channel: grpc.aio.Channel, page_size: int) -> None:
        self._export = channel.unary_stream(
            EXPORT,
            request_serializer=ingest_pb2.ExportTransactionsRequest.SerializeToString,
            response_deserializer=None,  # the bytes as they came
        )
        self._page_size = page_size

    async def pages(self, after: int) -> AsyncIterator[Page]:
        request = ingest_pb2.ExportTransactionsRequest(
            after_sequence=after, channel=common_pb2.CHANNEL_OFFLINE, batch_size=self._page_size
        )
        async for data in self._export(request):
            yield Page(data)
