"""Merchant risk: the scoring rules, AssessMerchant against the real ingest, and the generator's merchants."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import numpy as np
import pytest
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.risk.v1 import risk_pb2, risk_pb2_grpc
from payrisk_risk.app import merchant_config, start
from payrisk_risk.merchants.assessment import Registration, WindowTransactions, assess, level_of
from payrisk_risk.settings import RiskSettings
from payrisk_runtime import field_violations
from risk_factories import DAY, NOW, merchant, transaction

CONFIG = merchant_config(RiskSettings())
TRANSFER, CASH_OUT, PURCHASE, REFUND = (
    common_pb2.TRANSACTION_TYPE_TRANSFER,
    common_pb2.TRANSACTION_TYPE_CASH_OUT,
    common_pb2.TRANSACTION_TYPE_PURCHASE,
    common_pb2.TRANSACTION_TYPE_REFUND,
)


def window(amounts, fees, types, scores) -> WindowTransactions:
    n = len(amounts)
    return WindowTransactions(
        [f"t{i}" for i in range(n)],
        np.array(amounts, dtype=np.int64),
        np.array(fees, dtype=np.int64),
        np.array(types, dtype=np.int64),
        np.array(scores, dtype=np.float64),
        ["CNY"] * n,
    )


ORDINARY = Registration(capital_minor=50_000_000, registration_type="company", neighbours=12)
SHELL = Registration(capital_minor=800_000, registration_type="shell_offshore", neighbours=0)
QUIET = window([5_000, 8_000, 12_000, 20_000] * 5, [30, 48, 72, 120] * 5, [PURCHASE] * 20, [0.01] * 20)


def test_levels_follow_the_cut_points():
    assert [level_of(s, (0.25, 0.5, 0.75)) for s in (0.0, 0.3, 0.5, 0.9)] == [
        common_pb2.RISK_LEVEL_LOW,
        common_pb2.RISK_LEVEL_MEDIUM,
        common_pb2.RISK_LEVEL_HIGH,
        common_pb2.RISK_LEVEL_CRITICAL,
    ]


def test_an_ordinary_merchant_with_ordinary_payments_is_not_suspected():
    a = assess(ORDINARY, QUIET, 0.3, CONFIG)
    assert a.registration.score == 0.0
    assert a.indicators.score < 0.1
    assert not a.suspected
    assert not a.risky
    assert a.level == common_pb2.RISK_LEVEL_LOW


def test_registration_facts_all_pointing_the_same_way_are_enough_alone():
    a = assess(SHELL, QUIET, 0.3, CONFIG)
    r = a.registration
    assert r.address_isolated
    assert r.capital_below_threshold
    assert r.registration_type_unaccepted
    assert r.score == 1.0
    assert r.level == common_pb2.RISK_LEVEL_CRITICAL
    assert a.suspected


def test_one_odd_registration_fact_alone_is_not_enough():
    remote = Registration(capital_minor=50_000_000, registration_type="company", neighbours=0)
    a = assess(remote, QUIET, 0.3, CONFIG)
    assert a.registration.address_isolated
    assert not a.suspected


def test_cash_out_indicators_make_a_well_registered_merchant_suspected_and_name_its_risky_payments():
    # Round sums with the fee waived or far above the category's, and what the model flags.
    amounts = [500_000, 1_000_000, 2_000_000, 5_000_000] * 5 + [15_000] * 20
    fees = [0, 0, 60_000, 0] * 5 + [90] * 20
    types = [CASH_OUT, PURCHASE, CASH_OUT, PURCHASE] * 5 + [PURCHASE] * 20
    scores = [0.9, 0.2, 0.6, 0.1] * 5 + [0.01] * 20
    a = assess(ORDINARY, window(amounts, fees, types, scores), 0.3, CONFIG)
    i = a.indicators
    assert i.transaction_count == 40
    assert i.abnormal_fee_share == pytest.approx(0.5)
    assert i.model_flagged_share == pytest.approx(0.25)
    assert (i.min_amount_minor, i.max_amount_minor) == (15_000, 5_000_000)
    assert a.suspected
    assert a.registration.score == 0.0
    risky = {t.transaction_id: t for t in a.risky}
    # Flagged by the model (t0, t2...) or by two indicators (t3...); a waived fee alone (t1...) is not enough,
    # and the ordinary payments are not among them.
    assert set(risky) == {f"t{k}" for k in range(20) if k % 4 != 1}
    assert "model_score" in risky["t0"].indicators
    assert "fee_rate" in risky["t0"].indicators
    assert risky["t3"].indicators == ["fee_rate", "amount_range"]  # not model-flagged: two indicators suffice
    assert a.risky[0].score == max(t.score for t in a.risky)


def test_refunds_and_small_payments_say_nothing_about_fees():
    w = window([10_000, 500, 10_000], [60, 0, 0], [PURCHASE, PURCHASE, REFUND], [0.0] * 3)
    assert assess(ORDINARY, w, 0.3, CONFIG).indicators.abnormal_fee_share == 0.0


def test_no_transactions_is_no_indicator_risk():
    a = assess(ORDINARY, window([], [], [], []), 0.3, CONFIG)
    assert a.indicators.transaction_count == 0
    assert a.indicators.score == 0.0
    assert not a.suspected


@pytest.fixture
async def assessing(risk_with, ingest_app, ingest) -> AsyncIterator[risk_pb2_grpc.RiskServiceStub]:
    merchants = [
        merchant("m-quiet"),
        *[merchant(f"m-near-{i}", lat=31.23 + i * 0.002) for i in range(4)],
        merchant("m-remote", lat=45.1, lon=85.2, capital=300_000, registration_type="unregistered_entity"),
    ]
    await ingest.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=merchants))
    txs = [transaction(n, merchant_id="m-quiet", occurred_at=NOW - n * 3600) for n in range(30)]
    txs += [transaction(100, merchant_id="m-quiet", occurred_at=NOW - 40 * DAY)]
    txs += [
        transaction(
            200 + n,
            merchant_id="m-remote",
            type=TRANSFER,
            amount=4_900_000 + n,
            fee=0,
            occurred_at=NOW - n * 60,
        )
        for n in range(10)
    ]
    [r] = [
        x
        async for x in ingest.IngestTransactions(
            iter([ingest_pb2.IngestTransactionsRequest(transactions=txs)])
        )
    ]
    assert r.accepted == len(txs)
    app = await start(risk_with(ingest_address=ingest_app.address))
    async with grpc.aio.insecure_channel(app.address) as channel:
        yield risk_pb2_grpc.RiskServiceStub(channel)
    await app.stop()


async def test_assess_merchant_over_the_default_window(assessing):
    a = (await assessing.AssessMerchant(risk_pb2.AssessMerchantRequest(merchant_id="m-quiet"))).assessment
    assert a.merchant_id == "m-quiet"
    assert a.registration.merchants_within_radius == 4
    assert a.registration.radius_meters == 1000
    assert not a.registration.address_isolated
    assert a.indicators.transaction_count == 30  # the payment of 40 days ago is outside the 30-day window
    assert a.window_end.seconds - a.window_start.seconds == 30 * 86_400
    assert a.indicators.min_amount.currency_code == "CNY"
    assert not a.suspected
    assert not a.risky_transactions


async def test_assess_merchant_finds_a_shell_and_its_risky_transfers(assessing):
    a = (await assessing.AssessMerchant(risk_pb2.AssessMerchantRequest(merchant_id="m-remote"))).assessment
    assert a.registration.address_isolated
    assert a.registration.capital_below_threshold
    assert a.registration.registration_type_unaccepted
    assert a.suspected
    assert a.level >= common_pb2.RISK_LEVEL_HIGH
    assert len(a.risky_transactions) == 10
    assert all("risky_type" in t.indicators for t in a.risky_transactions)


async def test_assess_merchant_in_an_explicit_window(assessing):
    request = risk_pb2.AssessMerchantRequest(merchant_id="m-quiet")
    request.window_start.FromSeconds(NOW - 50 * DAY)
    request.window_end.FromSeconds(NOW - 30 * DAY)
    a = (await assessing.AssessMerchant(request)).assessment
    assert a.indicators.transaction_count == 1


async def test_assess_merchant_errors(assessing):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await assessing.AssessMerchant(risk_pb2.AssessMerchantRequest(merchant_id="m-unknown"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await assessing.AssessMerchant(risk_pb2.AssessMerchantRequest(merchant_id=""))
    assert [v.field for v in field_violations(caught.value)] == ["merchant_id"]
    backwards = risk_pb2.AssessMerchantRequest(merchant_id="m-quiet")
    backwards.window_start.FromSeconds(NOW)
    backwards.window_end.FromSeconds(NOW - DAY)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await assessing.AssessMerchant(backwards)
    assert [v.field for v in field_violations(caught.value)] == ["window_end"]


async def test_without_ingest_assessment_is_a_failed_precondition(risk):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await risk.AssessMerchant(risk_pb2.AssessMerchantRequest(merchant_id="m-1"))
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "PAYRISK_RISK_INGEST_ADDRESS" in caught.value.details()
