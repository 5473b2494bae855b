"""Loading a synthetic data set into a running ingest service, through its public gRPC API."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from tqdm import tqdm

from ..importer import ImportSummary, send_transactions
from .dataset import SyntheticBatch, registrations
from .world import World

T = TypeVar("T")
KEEP_ERRORS = 10


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


@dataclass
class Tally:
    """What the service said about one kind of item."""

    accepted: int = 0
    unchanged: int = 0
    rejected: int = 0
    first_errors: list[str] = field(default_factory=list)

    def add(self, accepted: int, unchanged: int, rejected: Sequence[common_pb2.ItemError]) -> None:
        self.accepted += accepted
        self.unchanged += unchanged
        self.rejected += len(rejected)
        room = KEEP_ERRORS - len(self.first_errors)
        self.first_errors += [f"{e.id}: {e.field}: {e.description}" for e in rejected[:room]]

    def line(self, what: str) -> str:
        return f"{what}: accepted {self.accepted:,}  unchanged {self.unchanged:,}  rejected {self.rejected:,}"


@dataclass
class LoadSummary:
    merchants: Tally = field(default_factory=Tally)
    devices: Tally = field(default_factory=Tally)
    transactions: ImportSummary = field(default_factory=ImportSummary)
    bills: Tally = field(default_factory=Tally)
    # Sequence events the service reported while syncing bills, by kind name.
    sequence_events: dict[str, int] = field(default_factory=dict)
    labels: Tally = field(default_factory=Tally)

    def __str__(self) -> str:
        events = ", ".join(f"{kind} {n:,}" for kind, n in sorted(self.sequence_events.items())) or "none"
        return "\n".join(
            [
                self.merchants.line("merchants"),
                self.devices.line("devices"),
                f"transactions: {self.transactions}",
                self.bills.line("offline bills") + "  (replayed and tampered bills are rejected by design)",
                f"  sequence events: {events}",
                self.labels.line("labels"),
            ]
        )


class Loader:
    """Registers a world's merchants and devices, then sends batches: transactions, bills, then labels."""

    def __init__(
        self, stub: ingest_pb2_grpc.IngestServiceStub, chunk_size: int, progress: tqdm | None = None
    ) -> None:
        self._stub = stub
        self._chunk_size = chunk_size
        self._progress = progress
        self.summary = LoadSummary()

    async def register(self, world: World) -> None:
        merchants, devices = registrations(world)
        for some_merchants in chunks(merchants, self._chunk_size):
            m = await self._stub.RegisterMerchants(
                ingest_pb2.RegisterMerchantsRequest(merchants=some_merchants)
            )
            self.summary.merchants.add(m.registered, m.unchanged, m.rejected)
        for some_devices in chunks(devices, self._chunk_size):
            d = await self._stub.RegisterDevices(ingest_pb2.RegisterDevicesRequest(devices=some_devices))
            self.summary.devices.add(d.registered, d.unchanged, d.rejected)

    async def send(self, batch: SyntheticBatch) -> None:
        # Labels refer to transactions, so they go last.
        online = batch.online
        await send_transactions(
            self._stub, chunks(online, self._chunk_size), self.summary.transactions, self._progress
        )
        for bills in chunks(batch.bills.bills, self._chunk_size):
            synced = await self._stub.SyncOfflineBills(ingest_pb2.SyncOfflineBillsRequest(bills=bills))
            self.summary.bills.add(synced.accepted, synced.duplicates, synced.rejected)
            for event in synced.events:
                kind = (
                    ingest_pb2.SequenceEventKind.Name(event.kind).removeprefix("SEQUENCE_EVENT_KIND_").lower()
                )
                self.summary.sequence_events[kind] = self.summary.sequence_events.get(kind, 0) + 1
        if self._progress is not None:
            self._progress.update(len(batch.messages) - len(online))
        for labels in chunks(batch.labels, self._chunk_size):
            labeled = await self._stub.LabelTransactions(ingest_pb2.LabelTransactionsRequest(labels=labels))
            self.summary.labels.add(labeled.labeled, labeled.unchanged, labeled.rejected)
