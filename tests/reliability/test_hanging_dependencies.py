"""A dependency that hangs (accepts the connection, or even the call, and never answers) costs its caller no
more than its deadline: ingest keeps the batch unscored, risk keeps the freeze pending or the notice owed; the
work is retried in the background with exponential backoff and jitter, and done once the dependency answers."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from ingest_risk import decide
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk.risk.v1 import risk_pb2, risk_pb2_grpc
from payrisk_ingest.app import start as start_ingest
from payrisk_ingest.settings import IngestSettings
from payrisk_ledger.app import start as start_ledger
from payrisk_ledger.settings import LedgerSettings
from payrisk_risk.app import start as start_risk
from payrisk_runtime.local import free_port
from reliability_helpers import BlackHole
from risk_factories import install_model, risk_settings_for, transaction
from risk_push import push_server
from security_helpers import settlement, shell_merchant

pytestmark = [pytest.mark.slow]

DEADLINE = 0.5


class Recorded:
    """When each call arrived; and, until `answering` is set, calls are held without an answer."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.answering = asyncio.Event()

    async def hold(self) -> None:
        self.arrivals.append(time.monotonic())
        await self.answering.wait()

    def gaps(self) -> list[float]:
        return [b - a for a, b in zip(self.arrivals, self.arrivals[1:], strict=False)]


class SlowRisk(risk_pb2_grpc.RiskServiceServicer):
    def __init__(self) -> None:
        self.calls = Recorded()

    async def ScoreTransactions(self, request, context):
        await self.calls.hold()
        return risk_pb2.ScoreTransactionsResponse(decisions=[decide(tx) for tx in request.transactions])


class SlowPush(push_pb2_grpc.PushServiceServicer):
    def __init__(self) -> None:
        self.calls = Recorded()

    async def Notify(self, request, context):
        await self.calls.hold()
        return push_pb2.NotifyResponse(accepted=len(request.notifications))


async def serve(servicer, add, port: int = 0) -> tuple[grpc.aio.Server, str]:
    server = grpc.aio.server()
    add(servicer, server)
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    return server, f"127.0.0.1:{bound}"


def assert_backed_off_with_jitter(calls: Recorded, at_least: int) -> None:
    """Retries came, but no faster than one per deadline, and not on a fixed beat."""
    gaps = calls.gaps()
    assert len(gaps) >= at_least, gaps
    assert min(gaps) >= DEADLINE * 0.9, gaps  # each attempt waited its deadline out: nobody hammers
    assert max(gaps) - min(gaps) > 0.05, gaps  # jittered: not on a fixed beat


async def eventually(check, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            if await check():
                return
        except grpc.aio.AioRpcError:
            pass
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.2)


# --- ingest -> risk -------------------------------------------------------------------------------------------


def ingest_settings(tmp_path: Path, risk_address: str) -> IngestSettings:
    return IngestSettings(
        database_url=f"sqlite:///{tmp_path / 'ingest.db'}", port=0, data_dir=tmp_path / "ingest",
        risk_address=risk_address, scoring_deadline_seconds=DEADLINE, rescore_interval_seconds=0.5,
    )  # fmt: skip


async def ingest_one_batch(address: str, n: int = 50) -> tuple[ingest_pb2.IngestTransactionsResponse, float]:
    run = uuid.uuid4().hex[:6]
    batch = ingest_pb2.IngestTransactionsRequest(
        batch_id=f"b-{run}", transactions=[transaction(i, transaction_id=f"{run}-{i}") for i in range(n)]
    )
    async with grpc.aio.insecure_channel(address) as channel:
        started = time.monotonic()
        [response] = [
            r async for r in ingest_pb2_grpc.IngestServiceStub(channel).IngestTransactions(iter([batch]))
        ]
        return response, time.monotonic() - started


async def states(address: str) -> list[int]:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = ingest_pb2_grpc.IngestServiceStub(channel)
        pages = stub.ExportTransactions(ingest_pb2.ExportTransactionsRequest(batch_size=1000))
        return [r.scoring_state async for page in pages for r in page.records]


async def test_risk_that_never_answers_the_handshake_costs_a_batch_only_its_deadline(tmp_path):
    with BlackHole() as risk:
        app = await start_ingest(ingest_settings(tmp_path, risk.address))
        try:
            response, took = await ingest_one_batch(app.address)
            assert risk.connected.is_set()
            assert response.accepted == 50
            assert response.scoring_state == ingest_pb2.SCORING_STATE_UNSCORED
            assert not response.decisions
            assert took < DEADLINE + 1.5
            assert set(await states(app.address)) == {ingest_pb2.SCORING_STATE_UNSCORED}
        finally:
            await app.stop()


async def test_risk_that_takes_calls_and_sits_on_them_is_retried_with_backoff_then_scores(tmp_path):
    slow = SlowRisk()
    server, address = await serve(slow, risk_pb2_grpc.add_RiskServiceServicer_to_server)
    app = await start_ingest(ingest_settings(tmp_path, address))
    try:
        response, took = await ingest_one_batch(app.address)
        assert response.scoring_state == ingest_pb2.SCORING_STATE_UNSCORED
        assert took < DEADLINE + 1.5
        await asyncio.sleep(10)
        # The first call was the batch's own; the rest are the sweeper's, backing off while risk sits on them.
        assert_backed_off_with_jitter(slow.calls, at_least=4)
        assert set(await states(app.address)) == {ingest_pb2.SCORING_STATE_UNSCORED}
        slow.calls.answering.set()

        async def all_scored() -> bool:
            return set(await states(app.address)) == {ingest_pb2.SCORING_STATE_SCORED}

        await eventually(all_scored)
    finally:
        await app.stop()
        await server.stop(0)


# --- risk -> ledger, risk -> push -----------------------------------------------------------------------------


@pytest.fixture
async def ingest_address(tmp_path: Path) -> AsyncIterator[str]:
    app = await start_ingest(
        IngestSettings(
            database_url=f"sqlite:///{tmp_path / 'ingest.db'}", port=0, data_dir=tmp_path / "ingest"
        )
    )
    merchants, batch = shell_merchant("m-shell")
    async with grpc.aio.insecure_channel(app.address) as channel:
        stub = ingest_pb2_grpc.IngestServiceStub(channel)
        await stub.RegisterMerchants(merchants)
        [stored] = [r async for r in stub.IngestTransactions(iter([batch]))]
        assert not stored.rejected
    yield app.address
    await app.stop()


def ledger_settings(tmp_path: Path, port: int) -> LedgerSettings:
    return LedgerSettings(
        backend="embedded", database_url=f"sqlite:///{tmp_path / 'ledger.db'}", port=port,
        data_dir=tmp_path / "ledger", outbox_retry_seconds=0.2,
    )  # fmt: skip


def risk_settings(tmp_path: Path, trained_models: Path, **addresses: str):
    install_model(trained_models, tmp_path / "risk")
    return risk_settings_for(
        tmp_path / "risk", call_deadline_seconds=DEADLINE, retry_interval_seconds=0.3, **addresses
    )


async def review(address: str) -> tuple[risk_pb2.ReviewSettlementResponse, float]:
    async with grpc.aio.insecure_channel(address) as channel:
        started = time.monotonic()
        response = await risk_pb2_grpc.RiskServiceStub(channel).ReviewSettlement(
            settlement("si-1", "m-shell")
        )
        return response, time.monotonic() - started


async def freezes(address: str) -> list[str]:
    async with grpc.aio.insecure_channel(address) as channel:
        found = await ledger_pb2_grpc.LedgerServiceStub(channel).ListFreezes(
            ledger_pb2.ListFreezesRequest(merchant_id="m-shell")
        )
        return [f.freeze_id for f in found.freezes]


async def test_a_hanging_ledger_leaves_the_freeze_pending_and_it_lands_once_when_the_ledger_answers(
    tmp_path, trained_models, ingest_address
):
    ledger_port = free_port()
    async with push_server(tmp_path / "push") as push:
        with BlackHole(ledger_port) as ledger:
            risk = await start_risk(
                risk_settings(tmp_path, trained_models, ingest_address=ingest_address,
                              ledger_address=ledger.address, push_address=push.address)
            )  # fmt: skip
            try:
                pending, took = await review(risk.address)
                assert pending.verdict == risk_pb2.SETTLEMENT_VERDICT_FREEZE_PENDING
                assert pending.freeze_id == "freeze-si-1"
                assert not pending.merchant_notified
                # The assessment took its time; the hanging ledger cost no more than one deadline on top.
                assert ledger.connected.is_set()
                assert took < 10
            except BaseException:
                await risk.stop()
                raise
        try:
            real = await start_ledger(ledger_settings(tmp_path, ledger_port))
            try:

                async def frozen() -> bool:
                    return (await review(risk.address))[0].verdict == risk_pb2.SETTLEMENT_VERDICT_FROZEN

                await eventually(frozen)
                assert await freezes(real.address) == ["freeze-si-1"]
                assert [n.notification_id for n in await push.notices("m-shell")] == ["funds-frozen-si-1"]
            finally:
                await real.stop()
        finally:
            await risk.stop()


async def test_a_push_that_sits_on_the_notice_is_retried_with_backoff_and_the_notice_sent_once(
    tmp_path, trained_models, ingest_address
):
    ledger = await start_ledger(ledger_settings(tmp_path, 0))
    slow = SlowPush()
    server, push_address = await serve(slow, push_pb2_grpc.add_PushServiceServicer_to_server)
    risk = await start_risk(
        risk_settings(tmp_path, trained_models, ingest_address=ingest_address,
                      ledger_address=ledger.address, push_address=push_address)
    )  # fmt: skip
    try:
        response, took = await review(risk.address)
        # The freeze is what matters and it landed; the notice waits.
        assert response.verdict == risk_pb2.SETTLEMENT_VERDICT_FROZEN
        assert not response.merchant_notified
        assert took < 10
        await asyncio.sleep(8)
        assert_backed_off_with_jitter(slow.calls, at_least=4)
        # Now a real push at the same address: the notice is delivered, once.
        await server.stop(0)
        port = int(push_address.rsplit(":", 1)[1])
        async with push_server(tmp_path / "push", port) as push:

            async def notified() -> bool:
                return (await review(risk.address))[0].merchant_notified

            await eventually(notified)
            assert [n.notification_id for n in await push.notices("m-shell")] == ["funds-frozen-si-1"]
        assert await freezes(ledger.address) == ["freeze-si-1"]
    finally:
        await risk.stop()
        await ledger.stop()
