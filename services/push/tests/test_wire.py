"""Export pages read from their wire bytes give exactly what the ordinary parse gives, or fall back to it."""

from __future__ import annotations

import numpy as np
import pytest
from google.protobuf.message import DecodeError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk_push.mining import wire
from payrisk_push.mining.bills import BillBatch, bill_batch, export_page
from push_factories import NOON, bill

CONVENIENCE = "永和便利店(春熙路店) {} Yonghe Convenience Store (Chunxi Road) {}"


def page_of(transactions: list[common_pb2.Transaction], cursor: int = 77) -> bytes:
    """As ingest sends them: records with everything else a record carries around the transactions."""
    records = []
    for i, tx in enumerate(transactions):
        record = ingest_pb2.TransactionRecord(transaction=tx, sequence=cursor - len(transactions) + i + 1,
                                              bill_id=f"b-{i}", label_scenario="none")  # fmt: skip
        record.ingested_at.FromMicroseconds(1_700_000_000_000_000 + i)
        record.decision.score = 0.25
        records.append(record)
    return ingest_pb2.ExportTransactionsResponse(records=records, cursor=cursor).SerializeToString()


def ordinary(data: bytes) -> BillBatch:
    response = ingest_pb2.ExportTransactionsResponse.FromString(data)
    return bill_batch([r.transaction for r in response.records])


def assert_same(read: BillBatch, expected: BillBatch) -> None:
    for column in ("merchants", "payers", "devices", "mccs", "documents"):
        got, want = getattr(read, column), getattr(expected, column)
        assert got.values == want.values, column
        assert np.array_equal(got.codes, want.codes), column
    for column in ("seconds", "latitude", "longitude", "located", "amount_minor"):
        assert np.array_equal(getattr(read, column), getattr(expected, column)), column


def varied_bills() -> list[common_pb2.Transaction]:
    bills = [
        bill(f"m-{i % 7}", CONVENIENCE.format(item, item_en), tags, "5499", payer_id=f"p-{i % 11}",
             when=NOON + 3600 * i, amount_minor=350 * i)
        for i, (item, item_en, tags) in enumerate(
            [("饮料", "drinks", ("convenience", "daily")), ("便当", "bento", ("convenience",)), ("", "", ())] * 9
        )
    ]  # fmt: skip
    nowhere = bill("m-1", "Noodle bar", ("restaurant",), "5812", payer_id="p-x")
    nowhere.ClearField("location")
    no_merchant = bill("", "orphan", (), "5411")
    refund = bill("m-2", "退款 refund", ("grocery", "daily", "grocery"), "5411", amount_minor=-500)
    return [*bills, nowhere, no_merchant, refund]


def test_a_page_read_from_its_bytes_is_the_page_parsed():
    data = page_of(varied_bills(), cursor=1234)
    read = export_page(data)
    assert (read.records, read.cursor) == (len(varied_bills()), 1234)
    assert wire.read_page(data) is not None  # the compiled pass read it, not the fallback
    assert_same(read.bills, ordinary(data))


def test_repeated_messages_merge_and_unknown_or_mistyped_fields_are_skipped_as_protobuf_does():
    first = common_pb2.Transaction(merchant_id="m-1", description="first", business_tags=["food"])
    first.location.point.latitude = 31.2
    second = common_pb2.Transaction(payer_id="p-9", description="second", business_tags=["cinema"])
    second.location.point.longitude = 121.4
    record = (
        ingest_pb2.TransactionRecord(transaction=first).SerializeToString()
        + ingest_pb2.TransactionRecord(transaction=second).SerializeToString()
    )
    # Field 99 (unknown), and merchant_category_code (16) sent as a varint: both unknown to protobuf.
    record += bytes([0x98, 0x06, 0x05, 0x80, 0x01, 0x07])
    data = b"\x0a" + bytes([len(record)]) + record + b"\x10\x05"
    read = export_page(data)
    assert wire.read_page(data) is not None
    assert_same(read.bills, ordinary(data))
    assert read.bills.documents.values == [("second", ("food", "cinema"), "")]


def test_bytes_that_are_not_well_formed_are_refused_as_the_ordinary_parse_refuses_them():
    data = page_of(varied_bills())
    for broken in (data[:-3], data + b"\x0b", data[:40] + b"\xff" * 11):
        assert wire.read_page(broken) is None
        with pytest.raises(DecodeError):
            ingest_pb2.ExportTransactionsResponse.FromString(broken)
        with pytest.raises(DecodeError):
            export_page(broken)


def test_texts_sharing_a_hash_are_never_taken_for_one_another(monkeypatch):
    data = page_of(varied_bills())
    monkeypatch.setattr(wire, "_text_hashes", lambda buf, spans: np.zeros(len(spans), dtype=np.uint64))
    monkeypatch.setattr(wire, "_document_hashes", lambda *a: np.zeros(len(a[-1]), dtype=np.uint64))
    page = wire.read_page(data)
    assert page is not None
    rows = np.arange(len(page))
    assert wire.group_texts(page, rows, wire.MERCHANT) is None
    assert wire.group_documents(page, rows) is None
    assert_same(export_page(data).bills, ordinary(data))


texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@st.composite
def transactions(draw: st.DrawFn) -> common_pb2.Transaction:
    tx = common_pb2.Transaction(
        merchant_id=draw(st.sampled_from(["", "m-1", "m-2", "商户-3"])),
        payer_id=draw(st.sampled_from(["", "p-1", "p-2"])),
        device_id=draw(texts),
        merchant_category_code=draw(st.sampled_from(["", "5411", "5812"])),
        description=draw(st.sampled_from(["", "饮料 drinks", "x"]) | texts),
        business_tags=draw(st.lists(st.sampled_from(["food", "daily", "cinema", "??"]), max_size=3)),
    )
    if draw(st.booleans()):
        tx.occurred_at.seconds = draw(st.integers(-(2**40), 2**40))
    if draw(st.booleans()):
        tx.location.point.latitude = draw(st.floats(-100, 100))
        tx.location.point.longitude = draw(st.floats(-200, 200))
    if draw(st.booleans()):
        tx.amount.minor_units = draw(st.integers(-(2**62), 2**62))
    return tx


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(transactions(), max_size=30), st.integers(0, 2**62))
def test_any_page_reads_as_it_parses(bills, cursor):
    data = page_of(bills, cursor)
    read = export_page(data)
    assert (read.records, read.cursor) == (len(bills), cursor)
    assert_same(read.bills, ordinary(data))
