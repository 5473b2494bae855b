"""Random messages and random bytes: the server answers every one sensibly and never loses what it accepted."""

from __future__ import annotations

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2

pytestmark = pytest.mark.slow

ids = st.one_of(st.text(max_size=140), st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True))
money = st.builds(
    common_pb2.Money,
    currency_code=st.one_of(st.sampled_from(["CNY", "EUR", "USD"]), st.text(max_size=4)),
    minor_units=st.integers(-(2**63), 2**63 - 1),
)
enums = st.integers(0, 12)


@st.composite
def transactions(draw: st.DrawFn) -> common_pb2.Transaction:
    tx = common_pb2.Transaction(
        transaction_id=draw(ids),
        merchant_id=draw(ids),
        payer_id=draw(ids),
        payee_id=draw(ids),
        device_id=draw(ids),
        card_id=draw(ids),
        type=draw(enums),
        channel=draw(enums),
        ip_address=draw(st.one_of(st.ip_addresses().map(str), st.text(max_size=40))),
        business_tags=draw(st.lists(st.text(max_size=70), max_size=35)),
        description=draw(st.text(max_size=1100)),
        merchant_category_code=draw(st.text(max_size=5)),
    )
    if draw(st.booleans()):
        tx.amount.CopyFrom(draw(money))
    if draw(st.booleans()):
        tx.fee.CopyFrom(draw(money))
    if draw(st.booleans()):
        tx.occurred_at.seconds = draw(st.integers(-(2**40), 2**40))
        tx.occurred_at.nanos = draw(st.integers(-(2**31), 2**31 - 1))
    if draw(st.booleans()):
        point = tx.location.point
        point.latitude = draw(st.floats(allow_nan=True))
        point.longitude = draw(st.floats(allow_nan=True))
    return tx


@pytest.fixture
def database_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'store.db'}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(transactions(), max_size=8))
async def test_every_random_transaction_is_accepted_or_rejected_with_a_field(ingest, batch):
    request = ingest_pb2.IngestTransactionsRequest(transactions=batch)
    [response] = [r async for r in ingest.IngestTransactions(iter([request]))]
    assert response.accepted + response.duplicates + len(response.rejected) == len(batch)
    for error in response.rejected:
        assert error.field.startswith(f"transactions[{error.index}]")
        assert error.description
    rejected = {e.index for e in response.rejected}
    for index, tx in enumerate(batch):
        if index in rejected:
            continue
        stored = await ingest.GetTransaction(
            ingest_pb2.GetTransactionRequest(transaction_id=tx.transaction_id)
        )
        assert stored.record.transaction.transaction_id == tx.transaction_id


UNARY_METHODS = [
    "RegisterMerchants",
    "RegisterDevices",
    "SyncOfflineBills",
    "LabelTransactions",
    "GetTransaction",
    "ListTransactions",
    "GetMerchant",
    "ListMerchants",
    "GetDevice",
    "ListDeviceEvents",
    "ListOfflineBills",
    "UpdateSettlementStatus",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(UNARY_METHODS), data=st.binary(max_size=300))
async def test_random_bytes_never_get_an_internal_error(ingest_address, method, data):
    async with grpc.aio.insecure_channel(ingest_address) as channel:
        call = channel.unary_unary(
            f"/payrisk.ingest.v1.IngestService/{method}",
            request_serializer=lambda b: b,
            response_deserializer=lambda b: b,
        )
        code, details = grpc.StatusCode.OK, ""
        try:
            await call(data)  # some random bytes do parse as a valid request
        except grpc.aio.AioRpcError as error:
            code, details = error.code(), error.details()
    assert code in (grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND), details
