"""Offline bills from a terminal reach ingest, are anchored on the ledger, and their receipts verify."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk_ingest.signatures import sign

pytestmark = pytest.mark.e2e


def offline_bill(key: ec.EllipticCurvePrivateKey, sequence: int, run: str) -> common_pb2.OfflineBill:
    tx = common_pb2.Transaction(
        transaction_id=f"{run}-offline-{sequence}",
        merchant_id=f"{run}-m",
        payer_id=f"{run}-payer",
        device_id=f"{run}-pos",
        amount=common_pb2.Money(currency_code="CNY", minor_units=1200 + sequence),
        type=common_pb2.TRANSACTION_TYPE_PURCHASE,
        channel=common_pb2.CHANNEL_OFFLINE,
        description="早餐 breakfast",
    )
    tx.occurred_at.FromSeconds(int(time.time()) - 3600 + sequence)
    payload = common_pb2.OfflineBillPayload(
        bill_id=f"{run}-bill-{sequence}", device_id=f"{run}-pos", sequence=sequence, transaction=tx
    )
    data = payload.SerializeToString()
    return common_pb2.OfflineBill(payload=data, signature=sign(key, data))


def test_synced_bills_are_anchored_and_their_receipts_verify(system, ingest, ledger):
    run = system.run
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    merchant = common_pb2.Merchant(
        merchant_id=f"{run}-m",
        name="E2E Bakery",
        registered_location=common_pb2.Location(point=common_pb2.GeoPoint(latitude=31.2, longitude=121.5)),
        registered_capital=common_pb2.Money(currency_code="CNY", minor_units=1_000_000),
        registration_type="company",
    )
    ingest.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=[merchant]))
    device = common_pb2.Device(device_id=f"{run}-pos", merchant_id=f"{run}-m", public_key_pem=pem.decode())
    assert ingest.RegisterDevices(ingest_pb2.RegisterDevicesRequest(devices=[device])).registered == 1

    bills = [offline_bill(key, s, run) for s in range(1, 11)]
    synced = ingest.SyncOfflineBills(ingest_pb2.SyncOfflineBillsRequest(bills=bills))
    assert synced.accepted == 10

    stored = ingest.ListOfflineBills(
        ingest_pb2.ListOfflineBillsRequest(device_id=f"{run}-pos", page_size=100)
    )
    records = [ledger_pb2.Record(record_id=b.bill_id, content=b.bill.payload) for b in stored.bills]
    request = ledger_pb2.AnchorRecordsRequest(
        batch_id=f"{run}-bills-1", kind=ledger_pb2.RECORD_KIND_BILL_BATCH, records=records
    )
    anchored = ledger.AnchorRecords(request)
    assert len(anchored.receipts) == 10
    assert ledger.AnchorRecords(request).commit == anchored.commit  # a replay changes nothing

    for receipt, bill in zip(anchored.receipts, stored.bills, strict=True):
        verified = ledger.VerifyReceipt(
            ledger_pb2.VerifyReceiptRequest(receipt=receipt, content=bill.bill.payload)
        )
        assert verified.valid, verified.reason
    forged = ledger.VerifyReceipt(
        ledger_pb2.VerifyReceiptRequest(receipt=anchored.receipts[0], content=bills[1].payload)
    )
    assert not forged.valid


def test_every_server_exported_traces(ingest, otlp):
    ingest.ListTransactions(ingest_pb2.ListTransactionsRequest())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        services = {s.service for s in otlp.spans()}
        if {"payrisk-ingest", "payrisk-ledger"} <= services:
            break
        time.sleep(0.2)
    assert {"payrisk-ingest", "payrisk-ledger"} <= {s.service for s in otlp.spans()}
