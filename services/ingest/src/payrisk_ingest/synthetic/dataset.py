"""A whole data set: registrations, transactions as messages, signed offline bills and labels."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2

from ..importer import transactions_from_table
from .bills import BillSigner, SignedBills
from .config import GeneratorConfig
from .labels import labels
from .stream import TransactionBatch, iter_transaction_batches
from .table import to_arrow
from .truth import GroundTruth, ground_truth
from .world import World, build_world


@dataclass(frozen=True)
class SyntheticBatch:
    transactions: TransactionBatch
    messages: list[common_pb2.Transaction]
    bills: SignedBills
    labels: list[ingest_pb2.TransactionLabel]

    @property
    def online(self) -> list[common_pb2.Transaction]:
        """The transactions sent as they happen; the offline ones arrive as bills."""
        return [tx for tx in self.messages if tx.channel == common_pb2.CHANNEL_ONLINE]


@dataclass(frozen=True)
class SyntheticData:
    merchants: list[common_pb2.Merchant]
    devices: list[common_pb2.Device]
    # Each device's signing key, by device id.
    device_keys: dict[str, ec.EllipticCurvePrivateKey]
    # Online and offline, in time order.
    transactions: list[common_pb2.Transaction]
    offline_bills: list[common_pb2.OfflineBill]
    # What syncing the bills in order must report (the attacks on compromised devices).
    bill_events: list[ingest_pb2.SequenceEvent]
    labels: list[ingest_pb2.TransactionLabel]
    truth: GroundTruth


def registrations(world: World) -> tuple[list[common_pb2.Merchant], list[common_pb2.Device]]:
    return world.merchants.messages(), world.devices.messages(world.merchants)


def iter_batches(config: GeneratorConfig, world: World | None = None) -> Iterator[SyntheticBatch]:
    """The data set's transactions batch by batch, with their bills and labels."""
    world = world if world is not None else build_world(config)
    signer = BillSigner(world)
    for batch in iter_transaction_batches(config, world):
        messages = transactions_from_table(to_arrow(batch))
        yield SyntheticBatch(batch, messages, signer.sign(batch, messages), labels(batch))


def generate(config: GeneratorConfig) -> SyntheticData:
    """The whole data set in memory: for tests and small sets (stream big ones with iter_batches)."""
    world = build_world(config)
    merchants, devices = registrations(world)
    data = SyntheticData(
        merchants=merchants,
        devices=devices,
        device_keys={d.device_id: world.devices.keys.private_key(i) for i, d in enumerate(devices)},
        transactions=[],
        offline_bills=[],
        bill_events=[],
        labels=[],
        truth=ground_truth(world),
    )
    for batch in iter_batches(config, world):
        data.transactions.extend(batch.messages)
        data.offline_bills.extend(batch.bills.bills)
        data.bill_events.extend(batch.bills.events)
        data.labels.extend(batch.labels)
    return data
