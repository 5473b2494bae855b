"""Offline bills verify with their device's key, number per device from 1, and carry the injected attacks."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk_ingest.signatures import signature_valid

Kind = ingest_pb2.SequenceEventKind


@pytest.fixture(scope="module")
def bills(data) -> list[tuple[common_pb2.OfflineBill, common_pb2.OfflineBillPayload]]:
    return [(b, common_pb2.OfflineBillPayload.FromString(b.payload)) for b in data.offline_bills]


def test_a_bill_for_every_offline_transaction_with_the_same_transaction(data, bills):
    offline = {t.transaction_id: t for t in data.transactions if t.channel == common_pb2.CHANNEL_OFFLINE}
    keys = {d.device_id: d.public_key_pem for d in data.devices}
    genuine = [
        p
        for b, p in bills
        if not p.bill_id.endswith("-replay") and signature_valid(keys[p.device_id], b.payload, b.signature)
    ]
    assert sorted(p.transaction.transaction_id for p in genuine) == sorted(offline)
    for payload in genuine:
        assert payload.transaction == offline[payload.transaction.transaction_id]
        assert payload.captured_at == payload.transaction.occurred_at


def test_only_the_tampered_bills_fail_to_verify(data, bills):
    keys = {d.device_id: d.public_key_pem for d in data.devices}
    failing = {p.bill_id for b, p in bills if not signature_valid(keys[p.device_id], b.payload, b.signature)}
    tampered = {e.bill_id for e in data.bill_events if e.kind == Kind.SEQUENCE_EVENT_KIND_BAD_SIGNATURE}
    assert failing == tampered
    assert tampered


def test_each_device_numbers_its_bills_from_one_with_gaps_only_where_the_attacker_deleted_bills(data, bills):
    keys = {d.device_id: d.public_key_pem for d in data.devices}
    replayed = {e.bill_id for e in data.bill_events if e.kind == Kind.SEQUENCE_EVENT_KIND_REPLAY}
    gaps = {
        (e.device_id, e.first_sequence, e.last_sequence)
        for e in data.bill_events
        if e.kind == Kind.SEQUENCE_EVENT_KIND_GAP
    }
    sequences = defaultdict(list)
    for b, p in bills:
        if p.bill_id not in replayed and signature_valid(keys[p.device_id], b.payload, b.signature):
            sequences[p.device_id].append(p.sequence)
    found_gaps = set()
    for device, numbers in sequences.items():
        expected = 1
        for n in numbers:
            if n != expected:
                found_gaps.add((device, expected, n - 1))
            expected = n + 1
    assert found_gaps == gaps


def test_replays_reuse_a_number_already_used_by_another_bill(data, bills):
    replays = [p for _, p in bills if p.bill_id.endswith("-replay")]
    used = {(p.device_id, p.sequence): p.bill_id for _, p in bills if not p.bill_id.endswith("-replay")}
    assert replays
    for p in replays:
        assert used[(p.device_id, p.sequence)] != p.bill_id


def test_every_compromised_device_suffers_gaps_replays_and_bad_signatures(data):
    kinds = defaultdict(Counter)
    for event in data.bill_events:
        kinds[event.device_id][event.kind] += 1
    assert kinds.keys() == set(data.truth.compromised_devices)
    for counts in kinds.values():
        assert counts.keys() == {
            Kind.SEQUENCE_EVENT_KIND_GAP,
            Kind.SEQUENCE_EVENT_KIND_REPLAY,
            Kind.SEQUENCE_EVENT_KIND_BAD_SIGNATURE,
        }
