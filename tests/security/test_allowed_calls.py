"""The calls the rules allow work end to end over mutual TLS: services calling each other under their own
identities (ingest scoring through risk and anchoring on the ledger; risk freezing on the ledger, marking in
ingest and notifying through push), operators doing what only operators may, and the settlement system."""

from __future__ import annotations

import asyncio
import uuid

import grpc
from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk.push.v1 import push_pb2
from payrisk.risk.v1 import risk_pb2
from risk_factories import transaction
from security_helpers import code_of, load_shell_merchant, settlement


async def eventually(check, within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.2)


async def test_the_acquirers_transactions_are_scored_by_risk_and_anchored_on_the_ledger(system):
    run = uuid.uuid4().hex[:8]
    batch = ingest_pb2.IngestTransactionsRequest(
        batch_id=f"b-{run}",
        transactions=[transaction(i, transaction_id=f"{run}-{i}", merchant_id=f"m-{run}") for i in range(20)],
    )
    ingest = system.stub("ingest", "acquirer:bank-1")
    [response] = [r async for r in ingest.IngestTransactions(iter([batch]))]
    assert response.accepted == 20
    # Risk answered ingest (service:ingest may score): every transaction came back decided.
    assert len(response.decisions) == 20

    async def anchored() -> bool:
        record = (
            await ingest.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id=f"{run}-0"))
        ).record
        return bool(record.decision_receipt.merkle_root)

    await eventually(anchored)  # ingest's AnchorRecords (as service:ingest) reached the ledger
    record = (await ingest.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id=f"{run}-0"))).record
    verified = await system.stub("ledger", "analyst:bob").VerifyReceipt(
        ledger_pb2.VerifyReceiptRequest(receipt=record.decision_receipt, content=record.anchored_decision)
    )
    assert verified.valid


async def test_an_operators_settlement_review_freezes_marks_and_notifies_across_the_services(system):
    merchant_id = f"m-shell-{uuid.uuid4().hex[:8]}"
    await load_shell_merchant(system.stub("ingest", "acquirer:bank-1"), merchant_id)
    review = await system.stub("risk", "operator:alice").ReviewSettlement(
        settlement(f"si-{merchant_id}", merchant_id)
    )
    # Each step was a call of risk's, as service:risk: FreezeFunds on the ledger, UpdateSettlementStatus in
    # ingest, Notify in push. A refusal of any of them would have left the review blocked.
    assert review.verdict == risk_pb2.SETTLEMENT_VERDICT_FROZEN
    assert review.merchant_notified
    freezes = await system.stub("ledger", "operator:alice").ListFreezes(
        ledger_pb2.ListFreezesRequest(merchant_id=merchant_id)
    )
    assert [f.freeze_id for f in freezes.freezes] == [review.freeze_id]

    # And only an operator releases the funds.
    released = await system.stub("ledger", "operator:alice").ReleaseFunds(
        ledger_pb2.ReleaseFundsRequest(freeze_id=review.freeze_id, reason="cleared after review")
    )
    assert released.freeze.status == ledger_pb2.FREEZE_STATUS_RELEASED


async def test_the_settlement_system_may_submit_its_instructions_for_review(system):
    merchant_id = f"m-shell-{uuid.uuid4().hex[:8]}"
    await load_shell_merchant(system.stub("ingest", "operator:alice"), merchant_id)
    review = await system.stub("risk", "service:settlement").ReviewSettlement(
        settlement(f"si-{merchant_id}", merchant_id)
    )
    assert review.verdict == risk_pb2.SETTLEMENT_VERDICT_FROZEN


async def test_an_operator_activates_a_model_an_analyst_may_only_list_them(system):
    models = await system.stub("risk", "analyst:bob").ListModels(risk_pb2.ListModelsRequest())
    [active] = [m for m in models.models if m.active]
    activated = await system.stub("risk", "operator:alice").ActivateModel(
        risk_pb2.ActivateModelRequest(version=active.version)
    )
    assert activated.model.active
    assert activated.model.version == active.version


async def test_the_console_reads_and_labels_as_an_analyst_does(system):
    run = uuid.uuid4().hex[:8]
    batch = ingest_pb2.IngestTransactionsRequest(
        batch_id=f"c-{run}", transactions=[transaction(1, transaction_id=f"{run}-c", merchant_id=f"m-{run}")]
    )
    [stored] = [r async for r in system.stub("ingest", "acquirer:bank-1").IngestTransactions(iter([batch]))]
    assert stored.accepted == 1
    console = system.stub("ingest", "service:console")
    listed = await console.ListTransactions(ingest_pb2.ListTransactionsRequest(merchant_id=f"m-{run}"))
    assert [r.transaction.transaction_id for r in listed.records] == [f"{run}-c"]
    labelled = await console.LabelTransactions(
        ingest_pb2.LabelTransactionsRequest(
            labels=[ingest_pb2.TransactionLabel(transaction_id=f"{run}-c", label=1, source="analyst")]
        )
    )
    assert labelled.labeled == 1
    topics = await system.stub("push", "service:console").ListTopics(push_pb2.ListTopicsRequest())
    assert topics.total_bills >= 0


async def test_every_allowed_reader_reaches_the_ledger_info_and_it_names_no_secret(system, certificate):
    for identity in ("operator:alice", "analyst:bob", "service:console", "service:risk", "service:ingest"):
        info = await system.stub("ledger", identity).GetLedgerInfo(ledger_pb2.GetLedgerInfoRequest())
        assert info.backend == "embedded"
        text = str(info)
        assert "PRIVATE KEY" not in text
        assert "BEGIN CERTIFICATE" not in text
        assert ".pem" not in text
        assert ".key" not in text
    # A stranger to the ledger gets nothing out of it at all.
    stranger = system.stub("ledger", "terminal:d-1")
    assert await code_of(stranger.GetLedgerInfo(ledger_pb2.GetLedgerInfoRequest())) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
