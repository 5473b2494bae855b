"""The compiled wire reader against the reference (columns.extract and validation's column checks): the same
columns, the same verdicts, also for odd and hostile messages; and the keyed id hash against SipHash-1-3."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from payrisk.common.v1 import common_pb2
from payrisk.risk.v1 import risk_pb2
from payrisk_risk import validation
from payrisk_risk.features import columns_from_transactions, hashing, wire
from payrisk_risk.features.columns import extract
from payrisk_risk.features.ids import Ids
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
