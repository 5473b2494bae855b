"""AssessDevice through GraphApi, against a real ingest and a real (embedded) ledger."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk.risk.v1 import risk_pb2
from payrisk_ingest.synthetic import GeneratorConfig, Loader, build_world, ground_truth, iter_batches
from payrisk_risk.graph_api import GraphApi
from payrisk_runtime import InvalidArgument, NotFound, Unavailable

NOW = int(time.time())
POINT = common_pb2.GeoPoint(latitude=31.2304, longitude=121.4737)


class Terminal:
    """A registered terminal signing its offline bills, as a real one does."""

    def __init__(self, device_id: str = "dev-1", merchant_id: str = "m-1") -> None:
        self.device_id, self.merchant_id = device_id, merchant_id
        self.key = ec.generate_private_key(ec.SECP256R1())

    def registration(self) -> tuple[common_pb2.Merchant, common_pb2.Device]:
        merchant = common_pb2.Merchant(
            merchant_id=self.merchant_id,
            name="小吃 Snacks",
            registered_location=common_pb2.Location(country_code="CN", city="Shanghai", point=POINT),
            registered_capital=common_pb2.Money(currency_code="CNY", minor_units=50_000_000),
            registration_type="company",
            merchant_category_code="5812",
        )
        pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        device = common_pb2.Device(
            device_id=self.device_id,
            merchant_id=self.merchant_id,
            public_key_pem=pem.decode(),
            model="T1",
            location=common_pb2.Location(point=POINT),
            business_tags=["food", "dining"],
        )
        return merchant, device

    def payload(self, sequence: int, suffix: str = "", minor_units: int = 0) -> common_pb2.OfflineBillPayload:
        tx = common_pb2.Transaction(
            transaction_id=f"{self.device_id}-tx-{sequence}{suffix}",
            merchant_id=self.merchant_id,
            payer_id=f"payer-{sequence % 4}",
            device_id=self.device_id,
            card_id=f"card-{sequence % 4}",
            amount=common_pb2.Money(currency_code="CNY", minor_units=minor_units or 1_000 + sequence),
            fee=common_pb2.Money(currency_code="CNY", minor_units=6),
            type=common_pb2.TRANSACTION_TYPE_PURCHASE,
            channel=common_pb2.CHANNEL_OFFLINE,
            location=common_pb2.Location(point=POINT),
            business_tags=["food"] if sequence % 2 else ["food", "dining"],
            merchant_category_code="5812",
        )
        tx.occurred_at.FromSeconds(NOW - 3_600 + sequence)
        payload = common_pb2.OfflineBillPayload(
            bill_id=f"{self.device_id}-b{sequence}{suffix}",
            device_id=self.device_id,
            sequence=sequence,
            transaction=tx,
        )
        payload.captured_at.FromSeconds(NOW - 3_600 + sequence)
        return payload

    def sign(self, payload: common_pb2.OfflineBillPayload) -> common_pb2.OfflineBill:
        data = payload.SerializeToString()
        return common_pb2.OfflineBill(payload=data, signature=self.key.sign(data, ec.ECDSA(hashes.SHA256())))

    def bills(self, sequences: range | list[int]) -> list[common_pb2.OfflineBill]:
        return [self.sign(self.payload(s)) for s in sequences]


async def register(ingest: ingest_pb2_grpc.IngestServiceStub, terminal: Terminal) -> None:
    merchant, device = terminal.registration()
    registered = await ingest.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=[merchant]))
    assert not registered.rejected
    devices = await ingest.RegisterDevices(ingest_pb2.RegisterDevicesRequest(devices=[device]))
    assert not devices.rejected


async def sync(ingest: ingest_pb2_grpc.IngestServiceStub, bills: list[common_pb2.OfflineBill]) -> None:
    await ingest.SyncOfflineBills(ingest_pb2.SyncOfflineBillsRequest(bills=bills))


@pytest.fixture
async def api(
    device_ingest: ingest_pb2_grpc.IngestServiceStub,
    device_ledger: ledger_pb2_grpc.LedgerServiceStub,
    tmp_path: Path,
) -> AsyncIterator[GraphApi]:
    graph = GraphApi(device_ingest, device_ledger, tmp_path / "risk")
    yield graph
    await graph.close()


async def assess(api: GraphApi, device_id: str) -> risk_pb2.DeviceAssessment:
    response = await api.assess_device(risk_pb2.AssessDeviceRequest(device_id=device_id))
    return response.assessment


async def test_a_clean_terminal_is_secure_and_its_verdict_is_on_the_ledger(
    api: GraphApi,
    device_ingest: ingest_pb2_grpc.IngestServiceStub,
    device_ledger: ledger_pb2_grpc.LedgerServiceStub,
) -> None:
    terminal = Terminal()
    await register(device_ingest, terminal)
    await sync(device_ingest, terminal.bills(range(1, 11)))
    verdict = await assess(api, terminal.device_id)
    assert verdict.level == risk_pb2.SECURITY_LEVEL_SECURE
    assert list(verdict.findings) == []
    assert (verdict.merged_bills, verdict.missing_sequences) == (10, 0)
    assert sorted((c.tag_set, c.bills) for c in verdict.clusters) == [("dining,food", 5), ("food", 5)]
    receipt = verdict.receipt
    assert receipt.batch_id.startswith("device-verdict:dev-1:")
    assert receipt.block_number >= 1
    assert receipt.ledger_transaction_id
    root = bytes.fromhex(receipt.merkle_root)
    ledger_receipt = ledger_pb2.Receipt(
        record_id=receipt.record_id, batch_id=receipt.batch_id, leaf_index=0, leaf_hash=root, merkle_root=root
    )
    checked = await device_ledger.VerifyReceipt(
        ledger_pb2.VerifyReceiptRequest(receipt=ledger_receipt, content=verdict.anchored_record)
    )
    assert checked.valid, checked.reason
    forged = verdict.anchored_record.replace(b"SECURITY_LEVEL_SECURE", b"SECURITY_LEVEL_AT_RISK")
    refused = await device_ledger.VerifyReceipt(
        ledger_pb2.VerifyReceiptRequest(receipt=ledger_receipt, content=forged)
    )
    assert not refused.valid


async def test_assessing_the_same_state_again_anchors_nothing_new(
    api: GraphApi, device_ingest: ingest_pb2_grpc.IngestServiceStub
) -> None:
    terminal = Terminal()
    await register(device_ingest, terminal)
    await sync(device_ingest, terminal.bills(range(1, 4)))
    first, again = await assess(api, terminal.device_id), await assess(api, terminal.device_id)
    assert again.receipt == first.receipt
    await sync(device_ingest, terminal.bills([4]))
    later = await assess(api, terminal.device_id)
    assert later.receipt.batch_id != first.receipt.batch_id
    assert later.receipt.block_number > first.receipt.block_number


async def test_a_terminal_under_attack_is_compromised(
    api: GraphApi, device_ingest: ingest_pb2_grpc.IngestServiceStub
) -> None:
    terminal = Terminal()
    await register(device_ingest, terminal)
    await sync(device_ingest, terminal.bills([1, 2, 3, 7, 8]))
    replayed = terminal.sign(terminal.payload(3, suffix="-forged", minor_units=99_000))
    genuine = terminal.payload(8)
    altered = common_pb2.OfflineBillPayload()
    altered.CopyFrom(genuine)
    altered.transaction.amount.minor_units *= 10
    tampered = common_pb2.OfflineBill(
        payload=altered.SerializeToString(), signature=terminal.sign(genuine).signature
    )
    await sync(device_ingest, [replayed, tampered])
    verdict = await assess(api, terminal.device_id)
    assert verdict.level == risk_pb2.SECURITY_LEVEL_COMPROMISED
    found = {f.kind: f for f in verdict.findings}
    assert {"replay", "rejected_bad_signature", "sequence_gap", "sequence_anomaly"} <= set(found)
    assert found["replay"].severity == common_pb2.RISK_LEVEL_CRITICAL
    assert verdict.missing_sequences == 3
    assert sum(c.failed_verifications for c in verdict.clusters) >= 3


async def test_an_unknown_or_malformed_device_is_refused(api: GraphApi) -> None:
    with pytest.raises(NotFound):
        await assess(api, "dev-unknown")
    with pytest.raises(InvalidArgument) as error:
        await assess(api, "not a device id")
    assert [v.field for v in error.value.violations] == ["device_id"]


async def test_without_the_ledger_the_verdict_waits(
    device_ingest: ingest_pb2_grpc.IngestServiceStub, stopped_ledger_address: str, tmp_path: Path
) -> None:
    terminal = Terminal()
    await register(device_ingest, terminal)
    await sync(device_ingest, terminal.bills(range(1, 3)))
    async with grpc.aio.insecure_channel(stopped_ledger_address) as channel:
        api = GraphApi(device_ingest, ledger_pb2_grpc.LedgerServiceStub(channel), tmp_path / "risk")
        with pytest.raises(Unavailable, match="ledger"):
            await assess(api, terminal.device_id)


@pytest.mark.slow
async def test_generated_compromised_terminals_are_found(
    api: GraphApi, device_ingest: ingest_pb2_grpc.IngestServiceStub
) -> None:
    config = GeneratorConfig(transactions=6_000, seed=21, fraud_share=0.1)
    world = build_world(config)
    loader = Loader(device_ingest, 2_000)
    await loader.register(world)
    for batch in iter_batches(config, world):
        await loader.send(batch)
    compromised = set(ground_truth(world).compromised_devices)
    assert compromised
    for device_id in sorted(compromised):
        assert (await assess(api, device_id)).level == risk_pb2.SECURITY_LEVEL_COMPROMISED
    others = [d for d in world.devices.ids if d not in compromised][:15]
    levels = [(await assess(api, d)).level for d in others]
    assert levels.count(risk_pb2.SECURITY_LEVEL_SECURE) == len(others)
