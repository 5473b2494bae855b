"""Decisions are anchored on the ledger in batches; every record carries a receipt that verifies on chain.
Also the review queue's listing: by outcome and score, newest first."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import pytest
from ingest_factories import transaction
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk_ingest.anchoring import DecisionAnchorer
from payrisk_ingest.app import IngestApp, start
from payrisk_ingest.settings import IngestSettings
from payrisk_ingest.store import IngestStore
from payrisk_ledger.app import LedgerApp
from payrisk_ledger.app import start as start_ledger
from payrisk_ledger.settings import LedgerSettings
from payrisk_runtime import field_violations

pytestmark = pytest.mark.slow

REVIEW_AND_DECLINE = [common_pb2.OUTCOME_REVIEW, common_pb2.OUTCOME_DECLINE]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def ledger_on(tmp_path: Path, port: int = 0) -> LedgerApp:
    return await start_ledger(
        LedgerSettings(
            backend="embedded",
            database_url=f"sqlite:///{tmp_path / 'ledger.db'}",
            port=port,
            data_dir=tmp_path / "ledger",
        )
    )


@pytest.fixture
async def ledger_app(tmp_path: Path) -> AsyncIterator[LedgerApp]:
    app = await ledger_on(tmp_path)
    yield app
    await app.stop()


@pytest.fixture
async def ledger(ledger_app: LedgerApp) -> AsyncIterator[ledger_pb2_grpc.LedgerServiceStub]:
    async with grpc.aio.insecure_channel(ledger_app.address) as channel:
        yield ledger_pb2_grpc.LedgerServiceStub(channel)


@pytest.fixture
def anchoring_ingest(
    database_url: str, tmp_path: Path, risk
) -> Callable[[str], AsyncIterator[ingest_pb2_grpc.IngestServiceStub]]:
    """An ingest server scoring through the rule-based risk and anchoring on the given ledger address."""
    _, risk_address, _ = risk

    async def started(ledger_address: str) -> AsyncIterator[ingest_pb2_grpc.IngestServiceStub]:
        settings = IngestSettings(
            database_url=database_url,
            port=0,
            data_dir=tmp_path / "ingest",
            risk_address=risk_address,
            ledger_address=ledger_address,
            anchor_batch_size=50,
            anchor_interval_seconds=0.1,
            anchor_deadline_seconds=2.0,
        )
        app: IngestApp = await start(settings)
        try:
            async with grpc.aio.insecure_channel(app.address) as channel:
                yield ingest_pb2_grpc.IngestServiceStub(channel)
        finally:
            await app.stop()

    return started


async def ingest_all(
    stub: ingest_pb2_grpc.IngestServiceStub, transactions: list[common_pb2.Transaction]
) -> None:
    requests = [
        ingest_pb2.IngestTransactionsRequest(batch_id=f"b{i}", transactions=transactions[i : i + 40])
        for i in range(0, len(transactions), 40)
    ]
    async for response in stub.IngestTransactions(iter(requests)):
        assert response.scoring_state == ingest_pb2.SCORING_STATE_SCORED


async def all_records(
    stub: ingest_pb2_grpc.IngestServiceStub, **filters: object
) -> list[ingest_pb2.TransactionRecord]:
    request = ingest_pb2.ListTransactionsRequest(page_size=30, **filters)  # type: ignore[arg-type]
    records: list[ingest_pb2.TransactionRecord] = []
    while True:
        page = await stub.ListTransactions(request)
        records += page.records
        if not page.next_page_token:
            return records
        request.page_token = page.next_page_token


async def anchored_records(
    stub: ingest_pb2_grpc.IngestServiceStub, count: int, within: float = 15.0
) -> list[ingest_pb2.TransactionRecord]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        records = await all_records(stub)
        if len(records) == count and all(r.HasField("decision_receipt") for r in records):
            return records
        assert asyncio.get_running_loop().time() < deadline, "decisions were not anchored in time"
        await asyncio.sleep(0.1)


def amounts(n: int) -> list[common_pb2.Transaction]:
    """Approved, reviewed and declined ones, interleaved."""
    return [
        transaction(
            i, amount=common_pb2.Money(currency_code="CNY", minor_units=(1000, 4000, 9000)[i % 3] + i)
        )
        for i in range(n)
    ]


async def test_decisions_are_anchored_in_batches_and_every_receipt_verifies(
    anchoring_ingest, ledger_app, ledger
):
    async for ingest in anchoring_ingest(ledger_app.address):
        await ingest_all(ingest, amounts(120))
        records = await anchored_records(ingest, 120)

    assert len({r.decision_receipt.batch_id for r in records}) == 3  # 50 + 50 + 20
    for record in records[::7]:
        anchored = json.loads(record.anchored_decision)
        assert anchored["transaction_id"] == record.transaction.transaction_id
        assert anchored["outcome"] == common_pb2.Outcome.Name(record.decision.outcome)
        verified = await ledger.VerifyReceipt(
            ledger_pb2.VerifyReceiptRequest(receipt=record.decision_receipt, content=record.anchored_decision)
        )
        assert verified.valid, verified.reason
        assert verified.commit.transaction_id == record.decision_receipt.commit.transaction_id

    # Someone who changes the decision afterwards cannot make it verify.
    forged = json.loads(records[0].anchored_decision)
    forged["outcome"] = "OUTCOME_APPROVE" if forged["outcome"] != "OUTCOME_APPROVE" else "OUTCOME_DECLINE"
    content = json.dumps(forged, sort_keys=True, separators=(",", ":")).encode()
    refused = await ledger.VerifyReceipt(
        ledger_pb2.VerifyReceiptRequest(receipt=records[0].decision_receipt, content=content)
    )
    assert not refused.valid


async def test_with_the_ledger_down_decisions_wait_and_are_anchored_once_it_is_back(
    anchoring_ingest, tmp_path
):
    port = free_port()
    async for ingest in anchoring_ingest(f"127.0.0.1:{port}"):
        await ingest_all(ingest, amounts(70))
        await asyncio.sleep(0.5)
        assert not any(r.HasField("decision_receipt") for r in await all_records(ingest))
        ledger_app = await ledger_on(tmp_path, port)
        try:
            records = await anchored_records(ingest, 70, within=40)
        finally:
            await ledger_app.stop()
    assert len({r.decision_receipt.batch_id for r in records}) == 2


async def test_a_batch_left_unconfirmed_by_a_crash_is_anchored_again_unchanged(
    database_url, tmp_path, risk, ledger
):
    """A batch was reserved, then the process died before the receipts were stored: the next run asks the
    ledger for that same batch before any new one, and every decision ends up with exactly one receipt."""
    _, risk_address, _ = risk
    settings = IngestSettings(
        database_url=database_url, port=0, data_dir=tmp_path / "i", risk_address=risk_address
    )
    app = await start(settings)
    try:
        async with grpc.aio.insecure_channel(app.address) as channel:
            await ingest_all(ingest_pb2_grpc.IngestServiceStub(channel), amounts(30))
        store = IngestStore(app.engine).anchors
        reserved = store.reserve_batch(20, 1)
        assert reserved is not None
        assert len(reserved.items) == 20

        anchorer = DecisionAnchorer(store, ledger, batch_size=20, interval_seconds=0.1, deadline_seconds=5)
        assert await anchorer.anchor_once() == 20  # the reserved batch first
        assert await anchorer.anchor_once() == 10  # then the rest
        assert await anchorer.anchor_once() == 0
        assert store.unanchored_count() == 0
        receipts = store.receipts([f"tx-{n}" for n in range(30)])
        assert len(receipts) == 30
        assert {receipts[i.transaction_id].batch_id for i in reserved.items} == {reserved.batch_id}
    finally:
        await app.stop()


async def test_the_review_queue_lists_by_outcome_and_score_newest_first(anchoring_ingest, ledger_app):
    async for ingest in anchoring_ingest(ledger_app.address):
        await ingest_all(ingest, amounts(60))
        queue = await all_records(ingest, outcomes=REVIEW_AND_DECLINE, newest_first=True)
        assert [r.sequence for r in queue] == sorted((r.sequence for r in queue), reverse=True)
        assert len(queue) == 40
        assert {r.decision.outcome for r in queue} == set(REVIEW_AND_DECLINE)
        declined = await all_records(ingest, outcomes=REVIEW_AND_DECLINE, min_score=0.8)
        assert len(declined) == 20
        assert all(r.decision.outcome == common_pb2.OUTCOME_DECLINE for r in declined)

        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await ingest.ListTransactions(ingest_pb2.ListTransactionsRequest(outcomes=[7], min_score=1.5))
        assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert [v.field for v in field_violations(bad.value)] == ["outcomes[0]"]
        with pytest.raises(grpc.aio.AioRpcError) as bad_score:
            await ingest.ListTransactions(ingest_pb2.ListTransactionsRequest(min_score=1.5))
        assert [v.field for v in field_violations(bad_score.value)] == ["min_score"]


async def test_a_transaction_keeps_its_first_decision(database_url, tmp_path, risk):
    """A late second scoring (a sweep racing the batch's own) must not replace what may be anchored."""
    _, risk_address, _ = risk
    settings = IngestSettings(
        database_url=database_url, port=0, data_dir=tmp_path / "i", risk_address=risk_address
    )
    app = await start(settings)
    try:
        async with grpc.aio.insecure_channel(app.address) as channel:
            stub = ingest_pb2_grpc.IngestServiceStub(channel)
            await ingest_all(stub, amounts(3))
            first = (
                await stub.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id="tx-2"))
            ).record.decision
            late = common_pb2.Decision(transaction_id="tx-2", score=0.01, outcome=common_pb2.OUTCOME_APPROVE)
            IngestStore(app.engine).transactions.record_decisions([late])
            kept = (await stub.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id="tx-2"))).record
        assert kept.decision == first
        assert kept.decision.outcome == common_pb2.OUTCOME_DECLINE
    finally:
        await app.stop()
