"""A short narrated walk through payrisk against the services `devstack.py up` started."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk.risk.v1 import risk_pb2, risk_pb2_grpc
from payrisk_ingest.signatures import sign
from payrisk_ingest.synthetic.showcase import showcase
from payrisk_runtime import TlsFiles, blocking_channel, client_tls
from payrisk_runtime.certs import CertificateAuthority

ENDPOINTS = Path(__file__).resolve().parent.parent / ".payrisk" / "endpoints.json"


def say(text: str) -> None:
    print(f"\n== {text}")


RUN = time.strftime("%Y%m%d%H%M%S")


def transaction(
    n: int, merchant_id: str, device_id: str, channel: common_pb2.Channel
) -> common_pb2.Transaction:
    tx = common_pb2.Transaction(
        transaction_id=f"demo-{RUN}-{n}",
        merchant_id=merchant_id,
        payer_id=f"payer-{n % 97}",
        payee_id=merchant_id,
        device_id=device_id,
        card_id=f"card-{n % 89}",
        amount=common_pb2.Money(currency_code="CNY", minor_units=500 + (n * 37) % 20_000),
        fee=common_pb2.Money(currency_code="CNY", minor_units=3 + n % 5),
        type=common_pb2.TRANSACTION_TYPE_PURCHASE,
        channel=channel,
        business_tags=["food" if n % 2 else "transport"],
        description="咖啡 coffee" if n % 2 else "地铁 metro",
        merchant_category_code="5814",
    )
    tx.occurred_at.FromSeconds(int(time.time()) - 86_400 + n)
    return tx


def terminal_key() -> ec.EllipticCurvePrivateKey:
    """The demo terminal's key, kept between runs so that running the demo again finds the same terminal."""
    path = ENDPOINTS.parent / "demo" / "pos-1.pem"
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key
    key = ec.generate_private_key(ec.SECP256R1())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    path.chmod(0o600)
    return key


def wait_for_model(risk: risk_pb2_grpc.RiskServiceStub) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        models = risk.ListModels(risk_pb2.ListModelsRequest()).models
        active = next((m for m in models if m.active), None)
        if active is not None:
            m = active.metrics
            print(
                f"model {active.version}: ROC AUC {m.roc_auc:.3f}, average precision {m.average_precision:.3f}"
            )
            return
        time.sleep(1)
    sys.exit("risk has no model yet; see .payrisk/logs/risk.log")


def main() -> None:
    endpoints = json.loads(ENDPOINTS.read_text())
    # As the operator, over mutual TLS when the services run with it.
    tls = client_tls()
    stub = ingest_pb2_grpc.IngestServiceStub(blocking_channel(endpoints["ingest"], tls))
    risk = risk_pb2_grpc.RiskServiceStub(blocking_channel(endpoints["risk"], tls))
    ledger = ledger_pb2_grpc.LedgerServiceStub(blocking_channel(endpoints["ledger"], tls))
    push = push_pb2_grpc.PushServiceStub(blocking_channel(endpoints["push"], tls))
    key = terminal_key()
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    say("Registering a merchant and its payment terminal")
    merchant = common_pb2.Merchant(
        merchant_id="demo-merchant",
        name="街角咖啡 Corner Coffee",
        registered_location=common_pb2.Location(
            country_code="CN",
            city="Shanghai",
            point=common_pb2.GeoPoint(latitude=31.2304, longitude=121.4737),
        ),
        registered_capital=common_pb2.Money(currency_code="CNY", minor_units=10_000_000),
        registration_type="company",
        merchant_category_code="5814",
    )
    registered = stub.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=[merchant]))
    print(f"merchant: {registered.registered} registered, {registered.unchanged} already known")
    device = common_pb2.Device(
        device_id="demo-pos-1", merchant_id="demo-merchant", public_key_pem=pem.decode()
    )
    registered_devices = stub.RegisterDevices(ingest_pb2.RegisterDevicesRequest(devices=[device]))
    print(
        f"terminal: {registered_devices.registered} registered, {registered_devices.unchanged} already known"
    )

    say("Loading a generated data set through the public API: merchants, terminals, payers, 30 days")
    subprocess.run(
        [sys.executable, "-m", "payrisk_ingest.cli", "generate", "--address", endpoints["ingest"],
         "--transactions", "20000", "--days", "30", "--start", time.strftime("%Y-%m-%d", time.gmtime(time.time() - 31 * 86_400))],
        check=True,
    )  # fmt: skip

    say("risk scores with LightGBM; with no model yet it trains one on generated data first")
    wait_for_model(risk)

    say("Streaming 20,000 online transactions in batches of 1,000; each batch comes back decided")
    batches = [
        ingest_pb2.IngestTransactionsRequest(
            batch_id=f"batch-{b}",
            transactions=[
                transaction(n, "demo-merchant", "demo-pos-1", common_pb2.CHANNEL_ONLINE)
                for n in range(b * 1000, (b + 1) * 1000)
            ],
        )
        for b in range(20)
    ]
    bad = batches[0].transactions.add()
    bad.CopyFrom(transaction(99_999, "demo-merchant", "demo-pos-1", common_pb2.CHANNEL_ONLINE))
    bad.amount.minor_units = -1
    started = time.perf_counter()
    responses = list(stub.IngestTransactions(iter(batches)))
    elapsed = time.perf_counter() - started
    accepted = sum(r.accepted for r in responses)
    print(f"accepted {accepted} in {elapsed:.2f}s ({accepted / elapsed:,.0f}/s)")
    outcomes = Counter(
        common_pb2.Outcome.Name(d.outcome).removeprefix("OUTCOME_") for r in responses for d in r.decisions
    )
    print(f"decided on the stream: {dict(outcomes)}")
    first = responses[0].rejected[0]
    print(f"rejected item {first.index} of batch-0: {first.field}: {first.description}")

    say("Replaying the same stream changes nothing")
    replay = list(stub.IngestTransactions(iter(batches)))
    print(f"accepted {sum(r.accepted for r in replay)}, duplicates {sum(r.duplicates for r in replay)}")

    last = stub.GetDevice(ingest_pb2.GetDeviceRequest(device_id="demo-pos-1")).last_sequence
    say(
        f"The terminal syncs offline bills {last + 1}..{last + 5}, then {last + 8} (a gap), then another bill numbered {last + 3} (a replay)"
    )

    def bill(seq: int, bill_id: str) -> common_pb2.OfflineBill:
        tx = transaction(seq, "demo-merchant", "demo-pos-1", common_pb2.CHANNEL_OFFLINE)
        tx.transaction_id = f"demo-{RUN}-offline-{bill_id}"
        payload = common_pb2.OfflineBillPayload(
            bill_id=bill_id, device_id="demo-pos-1", sequence=seq, transaction=tx
        )
        data = payload.SerializeToString()
        return common_pb2.OfflineBill(payload=data, signature=sign(key, data))

    bills = [bill(last + s, f"{RUN}-b{s}") for s in (1, 2, 3, 4, 5, 8)] + [bill(last + 3, f"{RUN}-b3-forged")]
    synced = stub.SyncOfflineBills(ingest_pb2.SyncOfflineBillsRequest(bills=bills))
    print(f"accepted {synced.accepted}, rejected {[r.description for r in synced.rejected]}")
    for event in synced.events:
        kind = ingest_pb2.SequenceEventKind.Name(event.kind)
        print(f"device event {kind}: sequences {event.first_sequence}..{event.last_sequence}")

    say("The synced bills are anchored on the ledger; each gets a receipt that anyone can verify")
    batch_id = f"bills-demo-pos-1-{int(time.time())}"
    anchored = ledger.AnchorRecords(
        ledger_pb2.AnchorRecordsRequest(
            batch_id=batch_id,
            kind=ledger_pb2.RECORD_KIND_BILL_BATCH,
            records=[
                ledger_pb2.Record(record_id=f"bill-{i}", content=b.payload) for i, b in enumerate(bills[:6])
            ],
        )
    )
    info = ledger.GetLedgerInfo(ledger_pb2.GetLedgerInfoRequest())
    print(
        f"root {anchored.merkle_root.hex()[:16]}... in ledger transaction {anchored.commit.transaction_id[:16]}..."
    )
    print(f"block {anchored.commit.block_number} of {info.height} ({info.backend} ledger)")
    receipt = anchored.receipts[2]
    good = ledger.VerifyReceipt(ledger_pb2.VerifyReceiptRequest(receipt=receipt, content=bills[2].payload))
    bad = ledger.VerifyReceipt(ledger_pb2.VerifyReceiptRequest(receipt=receipt, content=bills[3].payload))
    print(
        f"receipt of bill 3 verifies: {good.valid}; the same receipt for another bill: {bad.valid} ({bad.reason})"
    )

    say(
        "push mines the offline bills and recommends to a terminal that subscribed to food, near People's Square"
    )
    mined = push.MineBills(push_pb2.MineBillsRequest())
    print(f"mined {mined.bills:,} new offline bills ({mined.total_bills:,} in all, {mined.topics} topics)")
    push.UpdateSubscription(
        push_pb2.UpdateSubscriptionRequest(
            subscriber_id="demo-pos-1", mode=push_pb2.SUBSCRIPTION_MODE_REPLACE, tags=["food"]
        )
    )
    request = push_pb2.RequestPushRequest(terminal_id="demo-pos-1", limit=5)
    request.environment.place.latitude, request.environment.place.longitude = 31.2304, 121.4737
    request.environment.locale = "zh-CN"
    for obj in push.RequestPush(request).objects:
        print(f"  {obj.score:5.2f}  {obj.title}  — {'; '.join(obj.reasons)}")

    say("A risk notice for the merchant reaches its connected terminal, and waits for it if it is offline")
    notice = push_pb2.Notification(
        notification_id=f"demo-alert-{RUN}", kind=push_pb2.NOTIFICATION_KIND_RISK_ALERT, merchant_id="demo-merchant",
        title="风险提示 Risk alert", body="Unusual refund activity on terminal demo-pos-1",
    )  # fmt: skip
    push.Notify(push_pb2.NotifyRequest(notifications=[notice]))
    stream = push.StreamNotifications(
        push_pb2.StreamNotificationsRequest(terminal_id="demo-pos-1", merchant_id="demo-merchant"), timeout=10
    )
    for response in stream:
        if response.notification.notification_id == notice.notification_id:
            got = response.notification
            print(f"terminal demo-pos-1 received: {got.title} (delivery attempt {got.delivery_attempt})")
            push.AckNotification(
                push_pb2.AckNotificationRequest(terminal_id="demo-pos-1", notification_id=got.notification_id)
            )
            stream.cancel()
            break
        push.AckNotification(
            push_pb2.AckNotificationRequest(
                terminal_id="demo-pos-1", notification_id=response.notification.notification_id
            )
        )

    settlement_review(stub, risk, ledger, push, terminal_channel(endpoints["push"], tls))
    decision_receipt(stub, ledger)


def terminal_channel(address: str, tls: TlsFiles | None) -> Callable[[str], push_pb2_grpc.PushServiceStub]:
    """Push as a terminal would reach it: with its own certificate (issued by the local CA) under mutual TLS."""

    def connect(terminal_id: str) -> push_pb2_grpc.PushServiceStub:
        if tls is None:
            return push_pb2_grpc.PushServiceStub(blocking_channel(address))
        own = CertificateAuthority.open(tls.ca.parent).issue(f"terminal:{terminal_id}", ("localhost",))
        return push_pb2_grpc.PushServiceStub(blocking_channel(address, own))

    return connect


def settlement_review(
    stub: ingest_pb2_grpc.IngestServiceStub,
    risk: risk_pb2_grpc.RiskServiceStub,
    ledger: ledger_pb2_grpc.LedgerServiceStub,
    push: push_pb2_grpc.PushServiceStub,
    as_terminal: Callable[[str], push_pb2_grpc.PushServiceStub],
) -> None:
    say(
        "A shell company (remote address, thin capital, offshore form) moves mule money; its settlement is due"
    )
    shop = showcase(f"demo-{RUN}", int(time.time()))
    stub.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=shop.merchants))
    stub.RegisterDevices(ingest_pb2.RegisterDevicesRequest(devices=shop.devices))
    list(
        stub.IngestTransactions(iter([ingest_pb2.IngestTransactionsRequest(transactions=shop.transactions)]))
    )
    # The shop's terminal connects as itself: it may hear its own merchant's notices, nobody else's.
    own_push = as_terminal(shop.shell_terminal_id)
    terminal = own_push.StreamNotifications(
        push_pb2.StreamNotificationsRequest(
            terminal_id=shop.shell_terminal_id, merchant_id=shop.shell_merchant_id
        ),
        timeout=30,
    )
    instruction = risk_pb2.SettlementInstruction(
        instruction_id=f"settle-{RUN}",
        merchant_id=shop.shell_merchant_id,
        amount=common_pb2.Money(currency_code="CNY", minor_units=60_000_000),
    )
    instruction.requested_at.GetCurrentTime()
    reviewed = risk.ReviewSettlement(risk_pb2.ReviewSettlementRequest(instruction=instruction))
    a = reviewed.assessment
    print(
        f"assessment: level {common_pb2.RiskLevel.Name(a.level).removeprefix('RISK_LEVEL_')}, "
        f"suspected {a.suspected}; {len(a.risky_transactions)} risky transactions"
    )
    print(f"verdict {risk_pb2.SettlementVerdict.Name(reviewed.verdict).removeprefix('SETTLEMENT_VERDICT_')}: "
          f"{reviewed.frozen_amount.minor_units / 100:,.2f} {reviewed.frozen_amount.currency_code} frozen as {reviewed.freeze_id}")  # fmt: skip
    freeze = ledger.GetFreeze(ledger_pb2.GetFreezeRequest(freeze_id=reviewed.freeze_id)).freeze
    history = ledger.GetHistory(ledger_pb2.GetHistoryRequest(freeze_id=reviewed.freeze_id)).entries
    info = ledger.GetLedgerInfo(ledger_pb2.GetLedgerInfoRequest())
    print(f"on the {info.backend} ledger: {ledger_pb2.FreezeStatus.Name(freeze.status)}, "
          f"transaction {reviewed.ledger_transaction_id}, {len(history)} history entry")  # fmt: skip
    if info.backend == "fabric":
        print("  check it with Fabric's own CLI:  eval \"$(deploy/fabric/network.sh env org2)\"; "
              f"peer chaincode query -C payrisk -n payrisk -c '{{\"Args\":[\"GetFreeze\",\"{reviewed.freeze_id}\"]}}'")  # fmt: skip
    for response in terminal:
        got = response.notification
        push.AckNotification(
            push_pb2.AckNotificationRequest(
                terminal_id=shop.shell_terminal_id, notification_id=got.notification_id
            )
        )
        if got.kind == push_pb2.NOTIFICATION_KIND_FUNDS_FROZEN:
            print(f"terminal {shop.shell_terminal_id} received: {got.title}: {got.body}")
            terminal.cancel()
            break


def decision_receipt(
    stub: ingest_pb2_grpc.IngestServiceStub, ledger: ledger_pb2_grpc.LedgerServiceStub
) -> None:
    say("Every decision is anchored on the ledger: a declined payment's receipt, checked against the chain")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        queue = stub.ListTransactions(
            ingest_pb2.ListTransactionsRequest(
                outcomes=[common_pb2.OUTCOME_DECLINE], newest_first=True, page_size=20
            )
        ).records
        anchored = next((r for r in queue if r.HasField("decision_receipt")), None)
        if anchored is not None:
            break
        time.sleep(1)
    else:
        print("no anchored decline yet (the anchorer is behind); see .payrisk/logs/ingest.log")
        return
    receipt = anchored.decision_receipt
    verified = ledger.VerifyReceipt(
        ledger_pb2.VerifyReceiptRequest(receipt=receipt, content=anchored.anchored_decision)
    )
    print(f"{anchored.transaction.transaction_id}: score {anchored.decision.score:.3f}, "
          f"reasons {', '.join(r.feature for r in anchored.decision.reasons)}")  # fmt: skip
    print(
        f"receipt: batch {receipt.batch_id}, leaf {receipt.leaf_index} of a Merkle tree, proof of {len(receipt.proof)} steps"
    )
    print(f"verified against the root on chain: {verified.valid} (ledger transaction {verified.commit.transaction_id}, "
          f"block {verified.commit.block_number})")  # fmt: skip


if __name__ == "__main__":
    main()
