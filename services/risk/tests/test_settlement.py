"""ReviewSettlement against the real ingest, the real ledger (embedded backend) and push."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import pytest
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk.push.v1 import push_pb2
from payrisk.risk.v1 import risk_pb2, risk_pb2_grpc
from payrisk_ledger.app import start as start_ledger
from payrisk_risk.app import RiskApp, start
from payrisk_runtime import field_violations
from risk_factories import DAY, NOW, merchant, transaction
from risk_push import push_server

SHELL = "m-shell"
GOOD = "m-good"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load_merchants(ingest) -> None:
    merchants = [
        # Remote, thinly capitalised, an unusual legal form: everything a shell company looks like.
        merchant(SHELL, lat=43.9, lon=87.6, capital=500_000, registration_type="shell_offshore"),
        merchant(GOOD),
        *[merchant(f"m-near-{i}", lat=31.23 + i * 0.001) for i in range(3)],
    ]
    await ingest.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=merchants))
    shell = [
        transaction(
            i,
            transaction_id=f"shell-{i}",
            merchant_id=SHELL,
            payer_id=f"mule-{i % 3}",
            card_id=f"mule-card-{i % 3}",
            type=common_pb2.TRANSACTION_TYPE_TRANSFER if i % 2 else common_pb2.TRANSACTION_TYPE_CASH_OUT,
            amount=4_990_000 - i * 100,
            fee=0,
            occurred_at=NOW - 2 * DAY + i * 600,
        )
        for i in range(12)
    ]
    small = [
        transaction(i, transaction_id=f"shell-small-{i}", merchant_id=SHELL, amount=5_000) for i in range(3)
    ]
    good = [transaction(i, transaction_id=f"good-{i}", merchant_id=GOOD) for i in range(20)]
    [response] = [
        r
        async for r in ingest.IngestTransactions(
            iter([ingest_pb2.IngestTransactionsRequest(transactions=shell + small + good)])
        )
    ]
    assert response.accepted == len(shell + small + good), response.rejected


def instruction(
    instruction_id: str, merchant_id: str = SHELL, amount: int = 10_000_000
) -> risk_pb2.ReviewSettlementRequest:
    request = risk_pb2.ReviewSettlementRequest(
        instruction=risk_pb2.SettlementInstruction(
            instruction_id=instruction_id,
            merchant_id=merchant_id,
            amount=common_pb2.Money(currency_code="CNY", minor_units=amount),
        )
    )
    request.instruction.requested_at.FromSeconds(NOW)
    return request


async def statuses(ingest, ids) -> set[int]:
    found = set()
    for transaction_id in ids:
        record = (
            await ingest.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id=transaction_id))
        ).record
        found.add(record.settlement_status)
    return found


async def eventually(check: Callable[[], object], within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return
        except grpc.aio.AioRpcError:
            pass
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


@pytest.fixture
async def push(tmp_path: Path):
    async with push_server(tmp_path / "push-data") as server:
        yield server


@pytest.fixture
async def reviewing_risk(risk_with, ingest_app, ingest, ledger_app, push) -> AsyncIterator[RiskApp]:
    await load_merchants(ingest)
    app = await start(
        risk_with(
            ingest_address=ingest_app.address, ledger_address=ledger_app.address, push_address=push.address
        )
    )
    yield app
    await app.stop()


async def stub(app: RiskApp) -> risk_pb2_grpc.RiskServiceStub:
    return risk_pb2_grpc.RiskServiceStub(grpc.aio.insecure_channel(app.address))


async def test_a_suspected_merchant_has_its_risky_funds_frozen_marked_and_is_told(
    reviewing_risk, ingest, ledger, push
):
    risk = await stub(reviewing_risk)
    response = await risk.ReviewSettlement(instruction("instr-1"))
    assert response.verdict == risk_pb2.SETTLEMENT_VERDICT_FROZEN
    assert response.assessment.suspected
    assert response.freeze_id == "freeze-instr-1"
    frozen = set(response.frozen_transaction_ids)
    assert frozen
    assert frozen <= {f"shell-{i}" for i in range(12)}
    assert response.frozen_amount.minor_units == sum(4_990_000 - int(t.split("-")[1]) * 100 for t in frozen)
    assert response.ledger_transaction_id

    freeze = (await ledger.GetFreeze(ledger_pb2.GetFreezeRequest(freeze_id="freeze-instr-1"))).freeze
    assert (freeze.merchant_id, freeze.instruction_id) == (SHELL, "instr-1")
    assert set(freeze.transaction_ids) == frozen
    assert freeze.amount == response.frozen_amount
    assert await statuses(ingest, frozen) == {common_pb2.SETTLEMENT_STATUS_FROZEN}
    assert await statuses(ingest, ["shell-small-0", "good-0"]) == {common_pb2.SETTLEMENT_STATUS_UNSETTLED}

    assert response.merchant_notified
    [notice] = await push.notices(SHELL)
    assert notice.kind == push_pb2.NOTIFICATION_KIND_FUNDS_FROZEN
    assert notice.data["freeze_id"] == "freeze-instr-1"
    assert notice.notification_id == "funds-frozen-instr-1"


async def test_replaying_an_instruction_changes_nothing(reviewing_risk, ledger, push):
    risk = await stub(reviewing_risk)
    first = await risk.ReviewSettlement(instruction("instr-2"))
    again = await asyncio.gather(*(risk.ReviewSettlement(instruction("instr-2")) for _ in range(3)))
    for response in again:
        assert response == first
    freezes = await ledger.ListFreezes(ledger_pb2.ListFreezesRequest(merchant_id=SHELL))
    assert [f.freeze_id for f in freezes.freezes] == ["freeze-instr-2"]
    assert len(await push.notices(SHELL)) == 1


async def test_the_same_instruction_id_with_another_amount_is_refused(reviewing_risk):
    risk = await stub(reviewing_risk)
    await risk.ReviewSettlement(instruction("instr-3"))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await risk.ReviewSettlement(instruction("instr-3", amount=123))
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_an_ordinary_merchant_proceeds_with_nothing_frozen(reviewing_risk, ledger):
    risk = await stub(reviewing_risk)
    response = await risk.ReviewSettlement(instruction("instr-good", merchant_id=GOOD))
    assert response.verdict == risk_pb2.SETTLEMENT_VERDICT_PROCEED
    assert not response.assessment.suspected
    assert not response.freeze_id
    assert not response.frozen_transaction_ids
    assert not (await ledger.ListFreezes(ledger_pb2.ListFreezesRequest(merchant_id=GOOD))).freezes


async def test_an_unknown_merchant_is_not_found(reviewing_risk):
    risk = await stub(reviewing_risk)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await risk.ReviewSettlement(instruction("instr-x", merchant_id="m-nobody"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_bad_instructions_name_their_fields(reviewing_risk):
    risk = await stub(reviewing_risk)
    request = instruction("", merchant_id="bad id!", amount=-1)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await risk.ReviewSettlement(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations(caught.value)} == {
        "instruction.instruction_id",
        "instruction.merchant_id",
        "instruction.amount.minor_units",
    }
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await risk.ReviewSettlement(risk_pb2.ReviewSettlementRequest())
    assert [v.field for v in field_violations(caught.value)] == ["instruction"]


async def test_with_the_ledger_down_the_freeze_is_pending_and_lands_when_it_is_back(
    risk_with, ingest_app, ingest, ledger_settings, push
):
    await load_merchants(ingest)
    port = free_port()
    app = await start(
        risk_with(
            ingest_address=ingest_app.address, ledger_address=f"127.0.0.1:{port}", push_address=push.address
        )
    )
    try:
        risk = await stub(app)
        pending = await risk.ReviewSettlement(instruction("instr-4"))
        assert pending.verdict == risk_pb2.SETTLEMENT_VERDICT_FREEZE_PENDING
        assert pending.freeze_id == "freeze-instr-4"
        assert pending.frozen_transaction_ids
        assert not pending.merchant_notified
        assert not pending.ledger_transaction_id
        assert await statuses(ingest, pending.frozen_transaction_ids) == {
            common_pb2.SETTLEMENT_STATUS_UNSETTLED
        }

        ledger_app = await start_ledger(ledger_settings.model_copy(update={"port": port}))
        try:

            async def frozen() -> bool:
                return (
                    await risk.ReviewSettlement(instruction("instr-4"))
                ).verdict == risk_pb2.SETTLEMENT_VERDICT_FROZEN

            await eventually(frozen)
            landed = await risk.ReviewSettlement(instruction("instr-4"))
            assert landed.ledger_transaction_id
            assert landed.merchant_notified
            assert list(landed.frozen_transaction_ids) == list(pending.frozen_transaction_ids)
            await eventually(
                lambda: statuses(ingest, landed.frozen_transaction_ids),
            )
            assert await statuses(ingest, landed.frozen_transaction_ids) == {
                common_pb2.SETTLEMENT_STATUS_FROZEN
            }
            assert [n.notification_id for n in await push.notices(SHELL)] == ["funds-frozen-instr-4"]
        finally:
            await ledger_app.stop()
    finally:
        await app.stop()


async def test_with_push_down_the_notice_is_sent_once_push_is_back(
    risk_with, ingest_app, ingest, ledger_app, tmp_path
):
    await load_merchants(ingest)
    port = free_port()
    app = await start(
        risk_with(
            ingest_address=ingest_app.address,
            ledger_address=ledger_app.address,
            push_address=f"127.0.0.1:{port}",
        )
    )
    try:
        risk = await stub(app)
        response = await risk.ReviewSettlement(instruction("instr-5"))
        assert response.verdict == risk_pb2.SETTLEMENT_VERDICT_FROZEN
        assert not response.merchant_notified
        async with push_server(tmp_path / "late-push", port) as push:

            async def notified() -> bool:
                return (await risk.ReviewSettlement(instruction("instr-5"))).merchant_notified

            await eventually(notified)
            assert [n.notification_id for n in await push.notices(SHELL)] == ["funds-frozen-instr-5"]
    finally:
        await app.stop()


async def test_pending_freezes_survive_a_restart_of_risk(
    risk_with, ingest_app, ingest, ledger_settings, push
):
    await load_merchants(ingest)
    port = free_port()
    settings = risk_with(
        ingest_address=ingest_app.address, ledger_address=f"127.0.0.1:{port}", push_address=push.address
    )
    app = await start(settings)
    pending = await (await stub(app)).ReviewSettlement(instruction("instr-6"))
    assert pending.verdict == risk_pb2.SETTLEMENT_VERDICT_FREEZE_PENDING
    await app.stop()

    ledger_app = await start_ledger(ledger_settings.model_copy(update={"port": port}))
    app = await start(settings)
    try:
        async with grpc.aio.insecure_channel(ledger_app.address) as channel:
            from payrisk.ledger.v1 import ledger_pb2_grpc

            ledger = ledger_pb2_grpc.LedgerServiceStub(channel)

            async def landed() -> bool:
                freeze = await ledger.GetFreeze(ledger_pb2.GetFreezeRequest(freeze_id="freeze-instr-6"))
                return freeze.freeze.status == ledger_pb2.FREEZE_STATUS_FROZEN

            await eventually(landed)
    finally:
        await app.stop()
        await ledger_app.stop()


async def test_a_merchants_reviews_are_listed_newest_first_with_their_follow_up(reviewing_risk):
    risk = await stub(reviewing_risk)
    await risk.ReviewSettlement(instruction("instr-a"))
    await risk.ReviewSettlement(instruction("instr-b", amount=3_000_000))
    await risk.ReviewSettlement(instruction("instr-good", merchant_id=GOOD))
    listed = await risk.ListSettlementReviews(risk_pb2.ListSettlementReviewsRequest(merchant_id=SHELL))
    assert [r.outcome.instruction_id for r in listed.reviews] == ["instr-b", "instr-a"]
    first = listed.reviews[1]
    assert first.outcome.verdict == risk_pb2.SETTLEMENT_VERDICT_FROZEN
    assert first.outcome.ledger_transaction_id
    assert first.amount.minor_units == 10_000_000
    assert not first.blocked
    one = await risk.ListSettlementReviews(
        risk_pb2.ListSettlementReviewsRequest(merchant_id=SHELL, page_size=1)
    )
    assert [r.outcome.instruction_id for r in one.reviews] == ["instr-b"]

    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await risk.ListSettlementReviews(
            risk_pb2.ListSettlementReviewsRequest(merchant_id="bad id!", page_size=500)
        )
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(bad.value)] == ["merchant_id", "page_size"]
