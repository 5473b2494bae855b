"""kill -9 of risk and of push in the middle of their work, and restart: nothing acknowledged is lost, every
transaction ends up decided, every notice reaches its terminal, every freeze requested lands exactly once.

Services run as real processes (the embedded ledger backend; the Fabric suite covers Fabric's own crashes)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk.risk.v1 import risk_pb2, risk_pb2_grpc
from payrisk_runtime.local import LocalStack, ServiceSpec, free_port
from reliability_helpers import BlackHole, backoff, eventually, retried, stream_until_acknowledged
from risk_factories import install_model
from security_helpers import settlement, shell_merchant
from test_crashes import batches

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

INGEST = ServiceSpec("ingest", "payrisk_ingest", 0)


def risk_spec(port: int) -> ServiceSpec:
    return ServiceSpec("risk", "payrisk_risk", port)


RISK_ENV = {
    "PAYRISK_RISK_BOOTSTRAP_MODEL": "false",
    "PAYRISK_RISK_WARM_UP_DAYS": "0",
    "PAYRISK_RISK_RETRY_INTERVAL_SECONDS": "0.3",
    "PAYRISK_RISK_CALL_DEADLINE_SECONDS": "2",
}


@pytest.fixture
def models(stack: LocalStack, trained_models: Path) -> None:
    """The trained model in the stack's data directory, where risk looks for it."""
    install_model(trained_models, stack.state_dir / "data")


def records(address: str) -> Iterator[ingest_pb2.TransactionRecord]:
    with grpc.insecure_channel(address) as channel:
        request = ingest_pb2.ExportTransactionsRequest(batch_size=10_000)
        for page in ingest_pb2_grpc.IngestServiceStub(channel).ExportTransactions(request, timeout=60):
            yield from page.records


def test_risk_killed_mid_stream_leaves_nothing_lost_and_everything_decided_once_it_is_back(stack, models):
    work = batches(100_000, 1000)
    risk_port = free_port()
    ingest = stack.start(
        INGEST,
        {
            "PAYRISK_INGEST_RISK_ADDRESS": f"127.0.0.1:{risk_port}",
            "PAYRISK_INGEST_SCORING_DEADLINE_SECONDS": "5",
            "PAYRISK_INGEST_RESCORE_INTERVAL_SECONDS": "0.5",
        },
    )
    stack.wait_serving(ingest)
    stack.wait_serving(stack.start(risk_spec(risk_port), RISK_ENV))
    killed, back = threading.Event(), threading.Event()

    def restart_risk() -> None:
        stack.wait_serving(stack.start(risk_spec(risk_port), RISK_ENV))
        back.set()

    def crash(acknowledged: int) -> None:
        if acknowledged == 30 and not killed.is_set():
            killed.set()
            stack.services["risk"].kill()
        if acknowledged == 60 and not back.is_set() and killed.is_set():
            # Ingestion goes on while risk starts again.
            threading.Thread(target=restart_risk, daemon=True).start()

    acknowledged = stream_until_acknowledged(lambda: ingest.address, work, crash, deadline_seconds=600)
    assert killed.is_set()
    back.wait(120)
    assert len(acknowledged) == len(work)
    states = {r.batch_id: r.scoring_state for r in acknowledged.values()}
    unscored_batches = [b for b, s in states.items() if s == ingest_pb2.SCORING_STATE_UNSCORED]
    # The crash showed: batches acknowledged while risk was away were kept, unscored, not refused.
    assert unscored_batches
    assert set(states.values()) <= {ingest_pb2.SCORING_STATE_SCORED, ingest_pb2.SCORING_STATE_UNSCORED}
    assert sum(r.accepted + r.duplicates for r in acknowledged.values()) == 100_000

    ids = [r.transaction.transaction_id for r in records(ingest.address)]
    assert len(ids) == len(set(ids)) == 100_000

    def all_decided() -> bool:
        return all(
            r.scoring_state == ingest_pb2.SCORING_STATE_SCORED and r.decision.model_version
            for r in records(ingest.address)
        )

    # Ingest's sweeper scores what was stored unscored, now that risk answers again.
    eventually(all_decided, within=300, every=1.0)
    decided = {r.transaction.transaction_id: r.decision for r in records(ingest.address)}
    assert all(d.transaction_id == t for t, d in decided.items())


def test_push_killed_while_delivering_still_delivers_every_notice_at_least_once(stack):
    push_port = free_port()
    spec = ServiceSpec("push", "payrisk_push", push_port)
    env = {"PAYRISK_PUSH_REDELIVERY_SECONDS": "1"}
    stack.wait_serving(stack.start(spec, env))
    address = f"127.0.0.1:{push_port}"
    run = uuid.uuid4().hex[:6]
    notices = [
        push_pb2.Notification(
            notification_id=f"n-{run}-{i:04d}", kind=push_pb2.NOTIFICATION_KIND_RISK_ALERT, title="t",
            body=f"notice {i}", **({"merchant_id": "m-1"} if i % 2 else {"terminal_id": "t-1"}),
        )
        for i in range(400)
    ]  # fmt: skip
    expected = {n.notification_id for n in notices}
    delivered: dict[str, int] = {}
    acknowledged: set[str] = set()
    restarted = threading.Event()
    done = threading.Event()

    def notify_all() -> None:
        for start in range(0, len(notices), 10):

            def send(chunk=notices[start : start + 10]) -> None:
                with grpc.insecure_channel(address) as channel:
                    push_pb2_grpc.PushServiceStub(channel).Notify(
                        push_pb2.NotifyRequest(notifications=chunk), timeout=5
                    )

            retried(send)  # idempotent by notification id: a resend after the crash changes nothing
            time.sleep(0.01)

    # Acknowledgements sent when the crash came: whether they landed is unknown, so they are sent again
    # (acknowledging twice is harmless), as a terminal would after reconnecting.
    unsure: set[str] = set()

    def ack(stub: push_pb2_grpc.PushServiceStub, nid: str) -> None:
        unsure.add(nid)
        stub.AckNotification(
            push_pb2.AckNotificationRequest(terminal_id="t-1", notification_id=nid), timeout=5
        )
        unsure.discard(nid)
        acknowledged.add(nid)

    def terminal() -> None:
        attempt = 0
        while not done.is_set():
            try:
                with grpc.insecure_channel(address) as channel:
                    stub = push_pb2_grpc.PushServiceStub(channel)

                    for nid in sorted(unsure):
                        ack(stub, nid)
                    stream = stub.StreamNotifications(
                        push_pb2.StreamNotificationsRequest(terminal_id="t-1", merchant_id="m-1")
                    )
                    for message in stream:
                        attempt = 0
                        nid = message.notification.notification_id
                        delivered[nid] = delivered.get(nid, 0) + 1
                        ack(stub, nid)
                        if expected <= acknowledged:
                            done.set()
                            stream.cancel()
                            return
            except grpc.RpcError:
                time.sleep(backoff(attempt))
                attempt += 1

    def crash() -> None:
        while len(delivered) < 120:
            time.sleep(0.005)
        stack.services["push"].kill()  # mid-delivery: notices sent but not yet acknowledged die with it
        restarted.set()
        stack.wait_serving(stack.start(spec, env))

    threads = [threading.Thread(target=f, daemon=True) for f in (notify_all, terminal, crash)]
    for t in threads:
        t.start()
    if not done.wait(180):
        missing = expected - acknowledged
        raise AssertionError(
            f"never acknowledged: {sorted(missing)[:5]}; delivered: {sorted(missing & set(delivered))[:5]}"
        )
    for t in threads:
        t.join(60)
    assert restarted.is_set()
    assert set(delivered) == expected
    # Once acknowledged, a notice is settled for good, also across the crash: a fresh connection gets nothing.
    with grpc.insecure_channel(address) as channel:
        stream = push_pb2_grpc.PushServiceStub(channel).StreamNotifications(
            push_pb2.StreamNotificationsRequest(terminal_id="t-1", merchant_id="m-1"), timeout=3
        )
        with pytest.raises(grpc.RpcError) as quiet:
            next(iter(stream))
        assert quiet.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED  # type: ignore[attr-defined]


# --- settlement review ---------------------------------------------------------------------------------------


def load_shell_merchants(address: str, merchant_ids: list[str]) -> None:
    with grpc.insecure_channel(address) as channel:
        stub = ingest_pb2_grpc.IngestServiceStub(channel)
        for merchant_id in merchant_ids:
            merchants, batch = shell_merchant(merchant_id)
            stub.RegisterMerchants(merchants, timeout=30)
            [response] = list(stub.IngestTransactions(iter([batch]), timeout=60))
            assert not response.rejected


def review(address: str, merchant_id: str, timeout: float = 30) -> risk_pb2.ReviewSettlementResponse:
    """The settlement system's instruction for `merchant_id` (one per merchant), sent to risk."""
    with grpc.insecure_channel(address) as channel:
        response: risk_pb2.ReviewSettlementResponse = risk_pb2_grpc.RiskServiceStub(channel).ReviewSettlement(
            settlement(f"si-{merchant_id}", merchant_id), timeout=timeout
        )
        return response


def freezes_of(address: str, merchant_id: str) -> list[str]:
    with grpc.insecure_channel(address) as channel:
        found = ledger_pb2_grpc.LedgerServiceStub(channel).ListFreezes(
            ledger_pb2.ListFreezesRequest(merchant_id=merchant_id), timeout=10
        )
        return [f.freeze_id for f in found.freezes]


def start_around_risk(stack: LocalStack, ledger_port: int, risk_port: int) -> dict[str, str]:
    """Ingest and push running, risk pointed at them and at `ledger_port` (the ledger itself may be absent)."""
    ingest = stack.start(INGEST)
    push = stack.start(ServiceSpec("push", "payrisk_push", 0))
    addresses = {"ingest": stack.wait_serving(ingest), "push": stack.wait_serving(push)}
    addresses["ledger"] = f"127.0.0.1:{ledger_port}"
    addresses["risk"] = f"127.0.0.1:{risk_port}"
    return addresses


def risk_env(addresses: dict[str, str]) -> dict[str, str]:
    return {
        **RISK_ENV,
        "PAYRISK_RISK_INGEST_ADDRESS": addresses["ingest"],
        "PAYRISK_RISK_LEDGER_ADDRESS": addresses["ledger"],
        "PAYRISK_RISK_PUSH_ADDRESS": addresses["push"],
    }


def test_risk_killed_while_its_freeze_is_on_the_way_lands_it_exactly_once_after_restart(stack, models):
    ledger_port, risk_port = free_port(), free_port()
    addresses = start_around_risk(stack, ledger_port, risk_port)
    load_shell_merchants(addresses["ingest"], ["m-shell-a"])
    env = risk_env(addresses)
    with BlackHole(ledger_port) as hanging_ledger:
        stack.wait_serving(stack.start(risk_spec(risk_port), env))
        answered: list[object] = []
        caller = threading.Thread(
            target=lambda: answered.append(_outcome(lambda: review(addresses["risk"], "m-shell-a"))),
            daemon=True,
        )
        caller.start()
        # The decision is stored and the freeze is in flight to a ledger that does not answer: now risk dies.
        assert hanging_ledger.connected.wait(60)
        time.sleep(0.3)
        stack.services["risk"].kill()
        caller.join(30)
    [cut_off] = answered
    assert isinstance(cut_off, grpc.RpcError)  # the settlement system saw its call fail
    ledger = stack.start(ServiceSpec("ledger", "payrisk_ledger", ledger_port))
    stack.wait_serving(ledger)
    stack.wait_serving(stack.start(risk_spec(risk_port), env))

    # Nobody asks again: risk's own retries land the freeze it had decided before it died.
    eventually(lambda: bool(freezes_of(ledger.address, "m-shell-a")), within=60)
    # The settlement system replays its instruction, as it would after a failed call: same decision, frozen.
    eventually(
        lambda: review(addresses["risk"], "m-shell-a").verdict == risk_pb2.SETTLEMENT_VERDICT_FROZEN,
        within=60,
    )
    assert freezes_of(ledger.address, "m-shell-a") == ["freeze-si-m-shell-a"]
    assert review(addresses["risk"], "m-shell-a").freeze_id == "freeze-si-m-shell-a"


def test_risk_killed_in_the_middle_of_many_reviews_freezes_each_merchant_exactly_once(stack, models):
    ledger_port, risk_port = free_port(), free_port()
    ledger = stack.start(ServiceSpec("ledger", "payrisk_ledger", ledger_port))
    stack.wait_serving(ledger)
    addresses = start_around_risk(stack, ledger_port, risk_port)
    merchants = [f"m-shell-{i}" for i in range(8)]
    load_shell_merchants(addresses["ingest"], merchants)
    env = risk_env(addresses)
    stack.wait_serving(stack.start(risk_spec(risk_port), env))

    outcomes: dict[str, object] = {}
    callers = [
        threading.Thread(
            target=lambda m=m: outcomes.__setitem__(m, _outcome(lambda: review(addresses["risk"], m)))
        )
        for m in merchants
    ]
    for c in callers:
        c.start()
    # Some reviews have landed, others are being assessed or freezing: kill it there.
    eventually(lambda: any(freezes_of(ledger.address, m) for m in merchants), within=60, every=0.02)
    stack.services["risk"].kill()
    for c in callers:
        c.join(30)
    stack.wait_serving(stack.start(risk_spec(risk_port), env))

    # Every instruction replayed until it is frozen (a review cut off before its decision was stored is
    # simply decided now); each merchant ends with exactly its one freeze, whatever the crash interrupted.
    for m in merchants:
        eventually(
            lambda m=m: review(addresses["risk"], m).verdict == risk_pb2.SETTLEMENT_VERDICT_FROZEN, within=90
        )
    for m in merchants:
        assert freezes_of(ledger.address, m) == [f"freeze-si-{m}"]
    assert any(isinstance(o, grpc.RpcError) for o in outcomes.values())  # the crash did cut some calls off


def _outcome(call):
    try:
        return call()
    except grpc.RpcError as error:
        return error
