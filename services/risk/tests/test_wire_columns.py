"""The compiled wire reader against the reference (columns.extract and validation's column checks): the same
columns, the same verdicts, also for odd and hostile messages; and the keyed id hash against SipHash-1-3."""

from __future__ import annotations

import time

import numpy as np
import pytest
from google.protobuf.message import DecodeError
from hypothesis import given, settings
from hypothesis import strategies as st
from payrisk.common.v1 import common_pb2
from payrisk.risk.v1 import risk_pb2
from payrisk_risk import validation
from payrisk_risk.features import columns_from_transactions, hashing, wire
from payrisk_risk.features.columns import extract
from payrisk_risk.features.ids import Ids
from payrisk_risk.wire_requests import WireRequest
from risk_factories import NOW, transaction

NUMERIC = (
    "amount_minor",
    "fee_minor",
    "type",
    "channel",
    "occurred_at_us",
    "located",
    "latitude",
    "longitude",
    "mcc",
)


def assert_read_as_reference(txs: list[common_pb2.Transaction]) -> None:
    request = risk_pb2.StreamScoresRequest(batch_id="b", transactions=txs)
    now = time.time()
    parsed = wire.parse(request.SerializeToString(), 2, now)
    assert parsed is not None
    cols, raw = extract(request.transactions)
    for k, name in enumerate(wire.ID_FIELDS):
        assert parsed.ids[k].tolist() == getattr(cols, name).tolist(), name
        np.testing.assert_array_equal(parsed.ids[k].hashes, getattr(cols, name).hashes, err_msg=name)
    for name in NUMERIC:
        np.testing.assert_array_equal(getattr(parsed, name), getattr(cols, name), err_msg=name)
    np.testing.assert_array_equal(parsed.plainly_valid, validation._plainly_valid(cols, raw, now))


def test_ordinary_transactions_read_as_the_reference_reads_them():
    txs = [
        transaction(n, payee_id=f"payee-{n}" if n % 3 else "", device_id="" if n % 4 else "d")
        for n in range(50)
    ]
    txs[7].ClearField("location")
    txs[8].merchant_category_code = ""
    assert_read_as_reference(txs)


def test_what_the_quick_checks_refuse_they_refuse_as_the_reference_does():
    odd = [
        transaction(1, merchant_id=""),
        transaction(2, payer_id="-leading-dash"),
        transaction(3, card_id="x" * 129),
        transaction(4, device_id="ünïcode"),
        transaction(5, amount=0),
        transaction(6, fee=-1),
        transaction(7, type=99),
        transaction(8, channel=0),
        transaction(9, occurred_at=NOW + 3600),
        transaction(10, merchant_category_code="58a2"),
        transaction(11, merchant_category_code="٥٨١٢"),
        transaction(12, merchant_category_code="58121"),
    ]
    odd[4].amount.currency_code = "XXX"
    odd[5].fee.currency_code = ""
    far = transaction(13)
    far.location.point.latitude = 91.0
    nan = transaction(14)
    nan.location.point.longitude = float("nan")
    other_fee = transaction(15)
    other_fee.fee.currency_code = "EUR"
    no_fee_currency = transaction(16)
    no_fee_currency.fee.currency_code = ""
    no_time = transaction(17)
    no_time.ClearField("occurred_at")
    negative = transaction(18)
    negative.occurred_at.nanos = -5
    assert_read_as_reference([*odd, far, nan, other_fee, no_fee_currency, no_time, negative, transaction(19)])


ids = st.one_of(st.text(max_size=140), st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:@/-]{0,12}", fullmatch=True))
money = st.builds(
    common_pb2.Money,
    currency_code=st.one_of(st.sampled_from(["CNY", "EUR", "", "ZZZ"]), st.text(max_size=4)),
    minor_units=st.integers(-(2**63), 2**63 - 1),
)


@st.composite
def random_transactions(draw: st.DrawFn) -> common_pb2.Transaction:
    tx = common_pb2.Transaction(
        transaction_id=draw(ids),
        merchant_id=draw(ids),
        payer_id=draw(ids),
        payee_id=draw(ids),
        device_id=draw(ids),
        card_id=draw(ids),
        type=draw(st.integers(-(2**31), 2**31 - 1)),
        channel=draw(st.integers(-3, 8)),
        ip_address=draw(st.text(max_size=40)),
        business_tags=draw(st.lists(st.text(max_size=8), max_size=3)),
        description=draw(st.text(max_size=30)),
        merchant_category_code=draw(
            st.one_of(st.from_regex(r"[0-9]{4}", fullmatch=True), st.text(max_size=5))
        ),
    )
    if draw(st.booleans()):
        tx.amount.CopyFrom(draw(money))
    if draw(st.booleans()):
        tx.fee.CopyFrom(draw(money))
    if draw(st.booleans()):
        tx.occurred_at.seconds = draw(st.integers(-(2**62), 2**62))
        tx.occurred_at.nanos = draw(st.integers(-(2**31), 2**31 - 1))
    if draw(st.booleans()):
        tx.location.city = draw(st.text(max_size=5))
        if draw(st.booleans()):
            tx.location.point.latitude = draw(st.floats(allow_nan=True))
            tx.location.point.longitude = draw(st.floats(allow_nan=True))
    return tx


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(random_transactions(), max_size=6))
def test_random_transactions_read_as_the_reference_reads_them(batch):
    assert_read_as_reference(batch)


def test_unknown_fields_and_known_numbers_with_another_wire_type_are_skipped():
    tx = transaction(1)
    wire_bytes = tx.SerializeToString()
    # Field 9 (type) as a string, and an unknown field 40 as a varint: upb keeps both as unknown fields.
    extra = bytes([(9 << 3) | 2, 3]) + b"abc" + bytes([0xC0, 0x02, 0x96, 0x01])  # 0xC0 0x02: (40 << 3) | 0
    odd = common_pb2.Transaction.FromString(wire_bytes + extra)
    assert_read_as_reference([odd, transaction(2)])


def test_bytes_it_does_not_expect_make_it_give_up_for_the_reference_to_read():
    # Field 41 as an (empty) group: its start and end tags, (41 << 3) | 3 and | 4 as varints.
    group = common_pb2.Transaction.FromString(
        transaction(1).SerializeToString() + bytes([0xCB, 0x02, 0xCC, 0x02])
    )
    request = risk_pb2.ScoreTransactionsRequest(transactions=[group])
    assert wire.parse(request.SerializeToString(), 1, time.time()) is None
    assert wire.parse(request.SerializeToString()[:-3], 1, time.time()) is None
    # And the columns are still had, the slow way.
    assert columns_from_transactions([group]).transaction_id.tolist() == ["tx-1"]


def _siphash13(data: bytes, k0: int, k1: int) -> int:
    """SipHash-1-3, written from its specification, on Python integers."""
    mask = (1 << 64) - 1

    def rotl(x: int, b: int) -> int:
        return ((x << b) | (x >> (64 - b))) & mask

    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def sip_round() -> None:
        v[0] = (v[0] + v[1]) & mask
        v[1] = rotl(v[1], 13) ^ v[0]
        v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & mask
        v[3] = rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & mask
        v[3] = rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & mask
        v[1] = rotl(v[1], 17) ^ v[2]
        v[2] = rotl(v[2], 32)

    tail = len(data) % 8
    for i in range(0, len(data) - tail, 8):
        m = int.from_bytes(data[i : i + 8], "little")
        v[3] ^= m
        sip_round()
        v[0] ^= m
    last = ((len(data) & 0xFF) << 56) | int.from_bytes(data[len(data) - tail :], "little")
    v[3] ^= last
    sip_round()
    v[0] ^= last
    v[2] ^= 0xFF
    for _ in range(3):
        sip_round()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


@pytest.mark.parametrize(
    "text", ["", "a", "payer-7", "exactly8", "sixteen-bytes-id", "上海小吃 Shanghai Snacks 0123"]
)
def test_ids_are_hashed_with_siphash_1_3_under_the_process_key(text):
    expected = hashing.NO_ID
    if text:
        digest = _siphash13(text.encode(), hashing.KEY0 % 2**64, hashing.KEY1 % 2**64)
        expected = int(np.uint64(digest).astype(np.int64)) or 1  # 0 is kept for "no id"
    assert Ids.from_strings([text]).hashes[0] == expected


def test_an_id_column_reads_like_a_list_of_strings():
    column = Ids.from_strings(["a", "", "上海", "b"])
    assert list(column) == ["a", "", "上海", "b"]
    assert column[2] == "上海"
    assert column[np.array([3, 0])].tolist() == ["b", "a"]
    assert Ids.concat([column, column[1:2]]).tolist() == ["a", "", "上海", "b", ""]
    assert column.present().tolist() == [True, False, True, True]
    assert column == ["a", "", "上海", "b"]


def _field(number: int, wire_type: int, payload: bytes = b"") -> bytes:
    """One field as raw bytes: its tag, then (for wire type LEN) its length and payload."""
    out, tag = bytearray(), (number << 3) | wire_type
    while True:
        out.append((tag & 0x7F) | (0x80 if tag > 0x7F else 0))
        tag >>= 7
        if not tag:
            break
    if wire_type == 2:
        out.append(len(payload))
        out += payload
    return bytes(out)


def _request_of(tx_bytes: bytes) -> bytes:
    return _field(1, 2, tx_bytes)


BAD_UTF8 = b"caf\xc3"  # cut off in the middle of a character


@pytest.mark.parametrize(
    "extra",
    [
        _field(15, 2, BAD_UTF8),  # description
        _field(13, 2, b"\xed\xa0\x80"),  # ip address: a surrogate
        _field(14, 2, b"\xc0\xaf"),  # a business tag: an overlong form
        _field(12, 2, _field(2, 2, BAD_UTF8)),  # location's city
        _field(7, 2, _field(1, 2, b"\xff")) + _field(7, 2, _field(1, 2, b"CNY")),  # an earlier currency
        _field(1, 2, b"\xf4\x90\x80\x80") + _field(1, 2, b"tx-1"),  # an earlier id, past U+10FFFF
        bytes([0x00, 0x01]),  # field number 0
        bytes([0xF8, 0xFF, 0xFF, 0xFF, 0x1F, 0x00]),  # a field number past 2**29 - 1
    ],
)
def test_bytes_protobuf_refuses_are_not_read_either(extra):
    data = _request_of(transaction(1).SerializeToString() + extra)
    with pytest.raises(DecodeError):
        risk_pb2.ScoreTransactionsRequest.FromString(data)
    assert wire.parse(data, 1, time.time()) is None


@settings(max_examples=500, deadline=None)
@given(text=st.binary(max_size=12) | st.text(max_size=6).map(str.encode))
def test_utf8_is_judged_as_python_judges_it(text):
    try:
        text.decode()
        valid = True
    except UnicodeDecodeError:
        valid = False
    buf = np.frombuffer(b"." + text + b".", dtype=np.uint8)
    assert wire._utf8(buf, 1, 1 + len(text)) == valid


def test_a_message_field_sent_twice_is_read_merged_as_protobuf_merges_it():
    # The second fee has no currency and no amount: protobuf merges it into the first, which it leaves as
    # it was; read naively, the fee would be gone.
    data = _request_of(transaction(1, fee=25).SerializeToString() + _field(8, 2))
    request = WireRequest(data, risk_pb2.ScoreTransactionsRequest)
    parsed = wire.parse(data, 1, time.time())
    assert parsed is not None
    assert not parsed.plainly_valid[0]
    cols, rejected = validation.screen(request, 10)
    assert not rejected
    assert cols.fee_minor.tolist() == [25]


def test_a_top_level_text_is_read_from_the_bytes_and_the_last_one_wins():
    data = _field(1, 2, b"first") + _field(2, 2, transaction(1).SerializeToString()) + _field(1, 2, b"last")
    request = WireRequest(data, risk_pb2.StreamScoresRequest)
    assert request.text_field("batch_id") == "last" == risk_pb2.StreamScoresRequest.FromString(data).batch_id
    assert WireRequest(_field(2, 2), risk_pb2.StreamScoresRequest).text_field("batch_id") == ""
    with pytest.raises(DecodeError):
        WireRequest(_field(1, 2, BAD_UTF8), risk_pb2.StreamScoresRequest).text_field("batch_id")
