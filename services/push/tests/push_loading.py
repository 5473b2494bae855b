"""Generated offline bills synced to a real ingest service, for push to mine."""

from __future__ import annotations

from collections.abc import Iterable

from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk_ingest.synthetic import SyntheticBatch, World, registrations

CHUNK = 2000


async def register(ingest: ingest_pb2_grpc.IngestServiceStub, world: World) -> None:
    merchants, devices = registrations(world)
    for start in range(0, len(merchants), CHUNK):
        await ingest.RegisterMerchants(
            ingest_pb2.RegisterMerchantsRequest(merchants=merchants[start : start + CHUNK])
        )
    for start in range(0, len(devices), CHUNK):
        await ingest.RegisterDevices(
            ingest_pb2.RegisterDevicesRequest(devices=devices[start : start + CHUNK])
        )


async def sync_bills(ingest: ingest_pb2_grpc.IngestServiceStub, batches: Iterable[SyntheticBatch]) -> int:
    """Syncs the batches' offline bills; returns how many were accepted."""
    accepted = 0
    for batch in batches:
        bills = list(batch.bills.bills)
        for start in range(0, len(bills), CHUNK):
            synced = await ingest.SyncOfflineBills(
                ingest_pb2.SyncOfflineBillsRequest(bills=bills[start : start + CHUNK])
            )
            accepted += synced.accepted
    return accepted
