"""Random messages and random bytes: every one gets a sensible answer, never an internal error."""

from __future__ import annotations

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from payrisk.common.v1 import common_pb2
from payrisk.risk.v1 import risk_pb2

pytestmark = pytest.mark.slow

ids = st.one_of(st.text(max_size=140), st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True))
money = st.builds(
    common_pb2.Money,
    currency_code=st.one_of(st.sampled_from(["CNY", "EUR", "USD"]), st.text(max_size=4)),
    minor_units=st.integers(-(2**63), 2**63 - 1),
)
enums = st.integers(0, 12)
SENSIBLE = (grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND)


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
        tx.location.point.latitude = draw(st.floats(allow_nan=True))
        tx.location.point.longitude = draw(st.floats(allow_nan=True))
    return tx


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(transactions(), max_size=8))
async def test_every_random_transaction_is_decided_or_rejected_with_a_field(risk, batch):
    response = await risk.ScoreTransactions(risk_pb2.ScoreTransactionsRequest(transactions=batch))
    rejected = {e.index for e in response.rejected}
    assert len(response.decisions) + len(rejected) == len(batch)
    for error in response.rejected:
        assert error.field.startswith(f"transactions[{error.index}]")
        assert error.description
    decided = [tx.transaction_id for i, tx in enumerate(batch) if i not in rejected]
    assert [d.transaction_id for d in response.decisions] == decided
    assert all(0.0 <= d.score <= 1.0 for d in response.decisions)


@st.composite
def instructions(draw: st.DrawFn) -> risk_pb2.ReviewSettlementRequest:
    request = risk_pb2.ReviewSettlementRequest()
    if draw(st.booleans()):
        i = request.instruction
        i.instruction_id, i.merchant_id = draw(ids), draw(ids)
        if draw(st.booleans()):
            i.amount.CopyFrom(draw(money))
        if draw(st.booleans()):
            i.requested_at.seconds = draw(st.integers(-(2**40), 2**40))
            i.requested_at.nanos = draw(st.integers(-(2**31), 2**31 - 1))
    return request


@pytest.fixture
async def connected(risk_with, ingest_app, ledger_app):
    from payrisk_risk.app import start

    app = await start(risk_with(ingest_address=ingest_app.address, ledger_address=ledger_app.address))
    yield app.address
    await app.stop()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=instructions(), merchant_id=ids, start=st.integers(-(2**40), 2**40))
async def test_random_reviews_and_assessments_against_real_services(connected, request, merchant_id, start):
    from payrisk.risk.v1 import risk_pb2_grpc

    async with grpc.aio.insecure_channel(connected) as channel:
        risk = risk_pb2_grpc.RiskServiceStub(channel)
        assess = risk_pb2.AssessMerchantRequest(merchant_id=merchant_id)
        assess.window_start.seconds = start
        for call, message in ((risk.ReviewSettlement, request), (risk.AssessMerchant, assess)):
            code, details = grpc.StatusCode.OK, ""
            try:
                await call(message)
            except grpc.aio.AioRpcError as error:
                code, details = error.code(), error.details()
            assert code in SENSIBLE, details


UNARY_METHODS = [
    "ScoreTransactions",
    "AssessMerchant",
    "ReviewSettlement",
    "MatchScenarios",
    "BuildScenarioKnowledgeBase",
    "AssessDevice",
    "TrainModel",
    "ListModels",
    "ActivateModel",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(UNARY_METHODS), data=st.binary(max_size=300))
async def test_random_bytes_never_get_an_internal_error(risk_app, method, data):
    async with grpc.aio.insecure_channel(risk_app.address) as channel:
        call = channel.unary_unary(
            f"/payrisk.risk.v1.RiskService/{method}",
            request_serializer=lambda b: b,
            response_deserializer=lambda b: b,
        )
        code, details = grpc.StatusCode.OK, ""
        try:
            await call(data)
        except grpc.aio.AioRpcError as error:
            code, details = error.code(), error.details()
    # Without ingest and the ledger configured, what needs them says so (FAILED_PRECONDITION).
    assert code in (*SENSIBLE, grpc.StatusCode.FAILED_PRECONDITION), details
