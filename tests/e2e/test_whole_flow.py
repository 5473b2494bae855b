"""The whole flow over real gRPC: transactions streamed and decided, decisions anchored and verified, a
suspicious merchant's settlement reviewed, its funds frozen on the ledger, its terminal told; replays change
nothing; one settlement review is one trace across risk, ingest, ledger and push."""

from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest
from otlp_receiver import OtlpReceiver
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk.push.v1 import push_pb2
from payrisk.risk.v1 import risk_pb2
from payrisk_ingest.synthetic.showcase import Showcase, showcase

pytestmark = pytest.mark.e2e


def eventually(check, within: float = 30.0, every: float = 0.2):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(every)


@pytest.fixture(scope="session")
def shop(system, ingest) -> Showcase:
    """The showcase merchants, registered, with their transactions streamed (and decided) once."""
    data = showcase(system.run, int(time.time()))
    ingest.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=data.merchants))
    ingest.RegisterDevices(ingest_pb2.RegisterDevicesRequest(devices=data.devices))
    responses = list(
        ingest.IngestTransactions(
            iter([ingest_pb2.IngestTransactionsRequest(transactions=data.transactions)])
        )
    )
    assert sum(r.accepted for r in responses) == len(data.transactions)
    return data


def stream(system, count: int) -> list[ingest_pb2.IngestTransactionsRequest]:
    data = showcase(f"{system.run}-stream", int(time.time()))
    honest = [t for t in data.transactions if t.merchant_id == data.honest_merchant_id]
    batches = []
    for b in range(count // 100):
        batch = ingest_pb2.IngestTransactionsRequest(batch_id=f"{system.run}-b{b}")
        for n in range(100):
            tx = batch.transactions.add()
            tx.CopyFrom(honest[n % len(honest)])
            tx.transaction_id = f"{system.run}-s{b}-{n}"
            tx.amount.minor_units += n
        batches.append(batch)
    return batches


def test_every_streamed_transaction_is_decided_and_a_replay_changes_nothing(system, ingest):
    batches = stream(system, 1000)
    first = list(ingest.IngestTransactions(iter(batches)))
    assert [r.accepted for r in first] == [100] * 10
    assert all(r.scoring_state == ingest_pb2.SCORING_STATE_SCORED for r in first)
    decided = {d.transaction_id: d for r in first for d in r.decisions}
    assert len(decided) == 1000
    assert {d.outcome for d in decided.values()} <= {
        common_pb2.OUTCOME_APPROVE, common_pb2.OUTCOME_REVIEW, common_pb2.OUTCOME_DECLINE
    }  # fmt: skip

    replay = list(ingest.IngestTransactions(iter(batches)))
    assert [(r.accepted, r.duplicates) for r in replay] == [(0, 100)] * 10
    some = batches[3].transactions[7].transaction_id
    stored = ingest.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id=some)).record
    assert stored.decision == decided[some]


def test_decisions_are_anchored_and_their_receipts_verify_on_the_ledger(system, ingest, ledger, shop):
    def anchored() -> list[ingest_pb2.TransactionRecord] | None:
        records = ingest.ListTransactions(
            ingest_pb2.ListTransactionsRequest(merchant_id=shop.honest_merchant_id, page_size=100)
        ).records
        return list(records) if records and all(r.HasField("decision_receipt") for r in records) else None

    records = eventually(anchored, within=60)
    for record in records[:5]:
        verified = ledger.VerifyReceipt(
            ledger_pb2.VerifyReceiptRequest(receipt=record.decision_receipt, content=record.anchored_decision)
        )
        assert verified.valid, verified.reason
        assert verified.commit.transaction_id == record.decision_receipt.commit.transaction_id
    info = ledger.GetLedgerInfo(ledger_pb2.GetLedgerInfoRequest())
    assert info.backend == ("fabric" if system.fabric.network_file else "embedded")


def instruction(shop: Showcase, instruction_id: str) -> risk_pb2.ReviewSettlementRequest:
    request = risk_pb2.ReviewSettlementRequest(
        instruction=risk_pb2.SettlementInstruction(
            instruction_id=instruction_id,
            merchant_id=shop.shell_merchant_id,
            amount=common_pb2.Money(currency_code="CNY", minor_units=60_000_000),
        )
    )
    request.instruction.requested_at.GetCurrentTime()
    return request


class TerminalInbox:
    """A terminal connected to push in the background, acknowledging what it receives."""

    def __init__(self, push, terminal_id: str, merchant_id: str) -> None:  # type: ignore[no-untyped-def]
        self.received: list[push_pb2.Notification] = []
        self._call = push.StreamNotifications(
            push_pb2.StreamNotificationsRequest(terminal_id=terminal_id, merchant_id=merchant_id)
        )
        self._push, self._terminal = push, terminal_id
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for response in self._call:
                self.received.append(response.notification)
                self._push.AckNotification(
                    push_pb2.AckNotificationRequest(
                        terminal_id=self._terminal, notification_id=response.notification.notification_id
                    )
                )
        except Exception:  # the call is cancelled when the test is done with it
            return

    def close(self) -> None:
        self._call.cancel()
        self._thread.join(5)


def peer_query(repo_root, *args: str) -> str:  # type: ignore[no-untyped-def]
    """Fabric's own CLI, as Org2's user, against Org2's peer: an independent read of the chain."""
    env = subprocess.run(
        ["bash", str(repo_root / "deploy/fabric/network.sh"), "env", "org2"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    command = f"{env}\npeer chaincode query -C payrisk -n payrisk -c '{json.dumps({'Args': list(args)})}'"
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True).stdout


def test_a_suspicious_merchants_settlement_freezes_its_funds_and_its_terminal_is_told(
    system, risk, ledger, ingest, push, shop, otlp: OtlpReceiver, repo_root
):
    inbox = TerminalInbox(push, shop.shell_terminal_id, shop.shell_merchant_id)
    try:
        request = instruction(shop, f"{system.run}-settle-1")
        reviewed = risk.ReviewSettlement(request)
        assert reviewed.assessment.suspected
        assert reviewed.verdict == risk_pb2.SETTLEMENT_VERDICT_FROZEN
        assert reviewed.ledger_transaction_id
        assert set(reviewed.frozen_transaction_ids) <= {t.transaction_id for t in shop.transactions}

        freeze = ledger.GetFreeze(ledger_pb2.GetFreezeRequest(freeze_id=reviewed.freeze_id)).freeze
        assert freeze.status == ledger_pb2.FREEZE_STATUS_FROZEN
        assert list(freeze.transaction_ids) == list(reviewed.frozen_transaction_ids)
        frozen = ingest.GetTransaction(
            ingest_pb2.GetTransactionRequest(transaction_id=reviewed.frozen_transaction_ids[0])
        ).record
        assert frozen.settlement_status == common_pb2.SETTLEMENT_STATUS_FROZEN

        notice = eventually(
            lambda: next(
                (n for n in inbox.received if n.kind == push_pb2.NOTIFICATION_KIND_FUNDS_FROZEN), None
            )
        )
        assert reviewed.instruction_id in notice.body

        # Replaying the instruction changes nothing: the same freeze, one freeze, one notice.
        again = risk.ReviewSettlement(request)
        assert (again.freeze_id, again.ledger_transaction_id) == (
            reviewed.freeze_id,
            reviewed.ledger_transaction_id,
        )
        merchant_freezes = ledger.ListFreezes(
            ledger_pb2.ListFreezesRequest(merchant_id=shop.shell_merchant_id)
        )
        assert [f.freeze_id for f in merchant_freezes.freezes] == [reviewed.freeze_id]
        time.sleep(1)
        assert [n.kind for n in inbox.received].count(push_pb2.NOTIFICATION_KIND_FUNDS_FROZEN) == 1
    finally:
        inbox.close()

    if system.fabric.network_file is not None:
        on_chain = json.loads(peer_query(repo_root, "GetFreeze", reviewed.freeze_id))
        assert on_chain["status"] == "FROZEN"
        assert on_chain["merchant_id"] == shop.shell_merchant_id

    # One review, one trace: risk's call fans out to ingest, the ledger and push under the same trace id.
    def review_trace() -> dict[str, dict[str, str]] | None:
        spans = otlp.spans()
        root = next(
            (
                s
                for s in spans
                if s.service == "payrisk-risk"
                and s.attributes.get("payrisk.instruction_id") == request.instruction.instruction_id
            ),
            None,
        )
        if root is None:
            return None
        in_trace = [s for s in spans if s.trace_id == root.trace_id]
        services = {s.service for s in in_trace}
        if not {"payrisk-risk", "payrisk-ingest", "payrisk-ledger", "payrisk-push"} <= services:
            return None
        merged: dict[str, dict[str, str]] = {}
        for span in in_trace:
            merged.setdefault(span.service, {}).update(span.attributes)
        return merged

    by_service = eventually(review_trace, within=20)
    assert by_service["payrisk-risk"]["payrisk.merchant_id"] == shop.shell_merchant_id
    assert by_service["payrisk-risk"]["payrisk.ledger_transaction_id"] == reviewed.ledger_transaction_id
    assert by_service["payrisk-ledger"]["payrisk.freeze_id"] == reviewed.freeze_id
    assert by_service["payrisk-ledger"]["payrisk.ledger_transaction_id"] == reviewed.ledger_transaction_id
    assert shop.shell_merchant_id in by_service["payrisk-push"]["payrisk.merchant_id"]


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    from urllib.request import urlopen

    from prometheus_client.parser import text_string_to_metric_families

    with urlopen(url, timeout=5) as response:  # noqa: S310  (a local URL the test made)
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_prometheus_sees_decisions_by_outcome_the_model_and_ledger_commit_latency(system, shop):
    risk = scrape(system.metrics["risk"])
    decided = {labels: v for (name, labels), v in risk.items() if name == "payrisk_decisions_total"}
    assert sum(decided.values()) >= len(shop.transactions)
    assert {dict(labels)["outcome"] for labels in decided} >= {"APPROVE"}
    active = [
        dict(labels)["model_version"]
        for (name, labels), v in risk.items()
        if name == "payrisk_model_active" and v == 1
    ]
    assert len(active) == 1

    ledger = scrape(system.metrics["ledger"])
    backend = "fabric" if system.fabric.network_file else "embedded"
    anchors = ledger[("payrisk_ledger_commit_seconds_count", (("backend", backend), ("operation", "anchor")))]
    assert anchors >= 1
    assert any(name == "payrisk_rpc_requests_total" for name, _ in scrape(system.metrics["ingest"]))
