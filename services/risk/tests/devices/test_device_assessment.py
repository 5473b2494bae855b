"""Verifying a device's bills and deciding its security level, on bills signed here with real keys."""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.risk.v1 import risk_pb2
from payrisk_risk.devices import CHECKS, Assessment, DeviceBill, Registration, assess, open_bill, verdict
from payrisk_risk.devices.correlation import overall, pairwise, phi
from payrisk_risk.devices.sequence import merge, sequence_failures
from payrisk_runtime.validation import Violations, check_id

NOW = int(time.time())
KEY = ec.generate_private_key(ec.SECP256R1())
SHANGHAI = (31.2304, 121.4737)
Kind = ingest_pb2.SequenceEventKind


def pem(key: ec.EllipticCurvePrivateKey) -> str:
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public.decode()


def registration(device_id: str = "dev-1") -> Registration:
    device = common_pb2.Device(
        device_id=device_id,
        merchant_id="m-1",
        public_key_pem=pem(KEY),
        location=common_pb2.Location(point=common_pb2.GeoPoint(latitude=SHANGHAI[0], longitude=SHANGHAI[1])),
        business_tags=["food", "drinks"],
    )
    device.registered_at.FromSeconds(NOW - 86_400 * 30)
    merchant = common_pb2.Merchant(merchant_id="m-1", merchant_category_code="5812")
    return Registration(device, merchant)


def bill(
    sequence: int,
    *,
    key: ec.EllipticCurvePrivateKey = KEY,
    merchant_id: str = "m-1",
    mcc: str = "5812",
    point: tuple[float, float] = SHANGHAI,
    tags: Iterable[str] = ("food",),
    captured: int = NOW - 3600,
    bill_id: str = "",
) -> DeviceBill:
    bill_id = bill_id or f"b{sequence}"
    tx = common_pb2.Transaction(
        transaction_id=f"tx-{sequence}",
        merchant_id=merchant_id,
        payer_id="p-1",
        device_id="dev-1",
        amount=common_pb2.Money(currency_code="CNY", minor_units=1000 + sequence),
        merchant_category_code=mcc,
        location=common_pb2.Location(point=common_pb2.GeoPoint(latitude=point[0], longitude=point[1])),
        business_tags=list(tags),
        channel=common_pb2.CHANNEL_OFFLINE,
    )
    tx.occurred_at.FromSeconds(captured)
    payload = common_pb2.OfflineBillPayload(
        bill_id=f"b{sequence}", device_id="dev-1", sequence=sequence, transaction=tx
    )
    payload.captured_at.FromSeconds(captured)
    data = payload.SerializeToString()
    stored = ingest_pb2.StoredOfflineBill(
        bill=common_pb2.OfflineBill(payload=data, signature=key.sign(data, ec.ECDSA(hashes.SHA256()))),
        bill_id=bill_id,
        sequence=sequence,
    )
    stored.synced_at.FromSeconds(NOW)
    return open_bill(stored)


def event(kind: int, sequence: int, bill_id: str) -> ingest_pb2.SequenceEvent:
    return ingest_pb2.SequenceEvent(
        device_id="dev-1", kind=kind, first_sequence=sequence, last_sequence=sequence, bill_id=bill_id
    )  # type: ignore[arg-type]


def kinds(assessment: Assessment) -> set[str]:
    return {f.kind for f in assessment.findings}


def test_a_clean_device_is_secure() -> None:
    result = assess(registration(), [bill(s) for s in range(1, 11)], [], last_sequence=10)
    assert result.level == risk_pb2.SECURITY_LEVEL_SECURE
    assert result.findings == ()
    assert (result.merged_bills, result.missing_sequences, result.correlation) == (10, 0, 0.0)
    assert [(c.tag_set, c.bills, c.failed) for c in result.clusters] == [("food", 10, 0)]


def test_bills_cluster_by_tag_set_and_merge_back_into_one_sequence() -> None:
    bills = [bill(s, tags=("drinks", "food") if s % 3 == 0 else ("food",)) for s in (5, 1, 3, 2, 6, 4)]
    result = assess(registration(), bills, [], last_sequence=6)
    assert [(c.tag_set, c.bills) for c in result.clusters] == [("drinks,food", 2), ("food", 4)]
    assert result.missing_sequences == 0
    merged = merge([[b for b in bills if b.tag_set == "food"], [b for b in bills if b.tag_set != "food"]], 6)
    assert [b.sequence for b in merged.bills] == [1, 2, 3, 4, 5, 6]


def test_a_gap_puts_the_device_at_risk() -> None:
    bills = [bill(s) for s in (1, 2, 3, 4, 5, 8, 9, 10)]
    result = assess(registration(), bills, [], last_sequence=12)
    assert result.level == risk_pb2.SECURITY_LEVEL_AT_RISK
    assert result.missing_sequences == 4  # 6-7, and 11-12 that ingest accepted but never stored
    assert {"sequence_gap", "sequence_anomaly"} <= kinds(result)
    gap = next(f for f in result.findings if f.kind == "sequence_gap")
    assert "6-7" in gap.detail
    assert "11-12" in gap.detail


def test_a_bill_signed_by_another_key_means_compromise() -> None:
    thief = ec.generate_private_key(ec.SECP256R1())
    result = assess(registration(), [bill(1), bill(2, key=thief), bill(3)], [], last_sequence=3)
    assert result.level == risk_pb2.SECURITY_LEVEL_COMPROMISED
    finding = next(f for f in result.findings if f.kind == "bad_signature")
    assert finding.severity == common_pb2.RISK_LEVEL_CRITICAL
    assert "b2" in finding.detail


def test_replayed_and_altered_bills_rejected_by_ingest_mean_compromise() -> None:
    events = [
        event(Kind.SEQUENCE_EVENT_KIND_REPLAY, 2, "b2-replay"),
        event(Kind.SEQUENCE_EVENT_KIND_BAD_SIGNATURE, 3, "b3"),
    ]
    result = assess(registration(), [bill(s) for s in (1, 2, 3)], events, last_sequence=3)
    assert result.level == risk_pb2.SECURITY_LEVEL_COMPROMISED
    assert {"replay", "rejected_bad_signature", "sequence_anomaly"} <= kinds(result)
    anomaly = next(f for f in result.findings if f.kind == "sequence_anomaly")
    assert "b2-replay" in anomaly.detail


def test_failures_that_go_together_mean_compromise() -> None:
    elsewhere = {"merchant_id": "m-other", "point": (39.9042, 116.4074)}
    bills = [bill(s, **elsewhere) if s in (3, 6, 9) else bill(s) for s in range(1, 13)]  # type: ignore[arg-type]
    result = assess(registration(), bills, [], last_sequence=12)
    assert result.correlation == pytest.approx(1.0)
    assert "correlated_failures" in kinds(result)
    assert result.level == risk_pb2.SECURITY_LEVEL_COMPROMISED
    assert {f.kind for f in result.findings} >= {"merchant_mismatch", "location_mismatch"}


def test_unrelated_inconsistencies_put_the_device_at_risk() -> None:
    bills = [
        bill(s, mcc="5999") if s in (1, 2) else bill(s, tags=("jewellery",)) if s in (5, 6) else bill(s)
        for s in range(1, 11)
    ]
    result = assess(registration(), bills, [], last_sequence=10)
    assert result.correlation < 0
    assert result.level == risk_pb2.SECURITY_LEVEL_AT_RISK
    assert {"category_mismatch", "tag_mismatch"} <= kinds(result)
    assert sum(c.failed for c in result.clusters) == 4


def test_a_bill_from_before_registration_is_inconsistent() -> None:
    result = assess(registration(), [bill(1, captured=NOW - 86_400 * 60)], [], last_sequence=1)
    assert "time_inconsistency" in kinds(result)


def test_a_payload_that_is_not_a_bill_fails_verification() -> None:
    broken = DeviceBill("b1", 1, b"\xff\xff not a bill", b"", NOW, None)
    result = assess(registration(), [broken], [], last_sequence=1)
    assert {"bad_signature", "device_mismatch"} <= kinds(result)


def test_duplicated_numbers_are_flagged() -> None:
    merged = merge([[bill(1), bill(2)], [bill(2, tags=("drinks",), bill_id="b2-again")]], 2)
    assert merged.duplicated == [2]
    assert len(sequence_failures(merged, [])) == 2


def test_phi() -> None:
    a = np.array([1, 1, 0, 0, 0], dtype=bool)
    assert phi(a, a) == pytest.approx(1.0)
    assert phi(a, ~a) == pytest.approx(-1.0)
    assert phi(a, np.zeros(5, dtype=bool)) == 0.0
    columns = np.stack([a, a, ~a, np.zeros(5, dtype=bool)], axis=1)
    pairs = pairwise(columns, CHECKS[:4])
    assert set(pairs) == {(CHECKS[0], CHECKS[1]), (CHECKS[0], CHECKS[2]), (CHECKS[1], CHECKS[2])}
    assert overall(pairs) == pytest.approx((1 - 1 - 1) / 3)


def test_the_same_state_gives_the_same_verdict_record() -> None:
    # ECDSA signatures are randomised: the same state is the same signed bytes, in any order.
    bills = {s: bill(s) for s in (1, 2, 3, 4)}
    first = assess(registration(), [bills[s] for s in (1, 2, 4)], [], last_sequence=4)
    again = assess(registration(), [bills[s] for s in (4, 2, 1)], [], last_sequence=4)
    changed = assess(registration(), list(bills.values()), [], last_sequence=4)
    record = verdict.content(first)
    assert verdict.batch_id("dev-1", record) == verdict.batch_id("dev-1", verdict.content(again))
    assert verdict.batch_id("dev-1", record) != verdict.batch_id("dev-1", verdict.content(changed))
    assert b'"level":"SECURITY_LEVEL_AT_RISK"' in record


def test_a_long_device_id_still_gives_a_valid_batch_id() -> None:
    batch = verdict.batch_id("d" * 128, b"{}")
    violations = Violations()
    check_id(violations, "batch_id", batch)
    assert not violations
