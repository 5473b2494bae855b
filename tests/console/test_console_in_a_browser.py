"""An analyst's and an operator's work in a real browser (Debian's Chromium, headless), each result checked
through the services' gRPC APIs. A screenshot of every page is saved in the test's tmp dir."""

from __future__ import annotations

import time
from pathlib import Path

import grpc
import pytest
from console_data import DEVICE, SHELL
from console_stack import ANALYST, OPERATOR, Running
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk.push.v1 import push_pb2, push_pb2_grpc

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(browser, running: Running):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def shoot(page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def sign_in(page, running: Running, who: tuple[str, str], folder: Path) -> None:
    page.goto(running.console_url + "/queue")
    assert "/login" in page.url
    shoot(page, folder, "00-sign-in")
    page.fill("input[name=username]", who[0])
    page.fill("input[name=password]", who[1])
    page.click("button[type=submit]")
    page.wait_for_url("**/queue")


def notices_for(push_address: str, merchant_id: str) -> list[push_pb2.Notification]:
    """What a terminal of the merchant receives when it connects now."""
    with grpc.insecure_channel(push_address) as channel:
        stream = push_pb2_grpc.PushServiceStub(channel).StreamNotifications(
            push_pb2.StreamNotificationsRequest(terminal_id="t-browser-check", merchant_id=merchant_id),
            timeout=2,
        )
        notices: list[push_pb2.Notification] = []
        # The stream stays open for new notices; the deadline ends it once the pending ones are in.
        with pytest.raises(grpc.RpcError) as ended:
            notices.extend(message.notification for message in stream)
        assert ended.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        return notices


def test_from_the_review_queue_to_a_verified_receipt_a_label_and_a_released_freeze(
    page, running: Running, ingest, ledger, tmp_path: Path
):
    sign_in(page, running, OPERATOR, tmp_path)
    assert page.locator("table.queue tbody tr").count() > 0
    shoot(page, tmp_path, "01-queue")

    # Narrow the queue to the shell merchant with the filter form.
    page.fill("input[name=merchant]", SHELL)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"**/queue?merchant={SHELL}*")
    shown = page.locator("a.tx").all_inner_texts()
    assert set(shown) == set(running.world.flagged)
    shoot(page, tmp_path, "02-queue-filtered")

    # Open the newest flagged transaction.
    tx_id = shown[0]
    page.click(f"a.tx >> text={tx_id}")
    page.wait_for_url(f"**/transactions/{tx_id}")
    assert tx_id in page.locator("h1").inner_text()
    record = ingest.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id=tx_id)).record
    assert page.locator("code.txid").inner_text() == record.decision_receipt.commit.transaction_id
    shoot(page, tmp_path, "03-transaction")

    # Verify its receipt on the ledger: the panel updates in place.
    page.click("button.verify")
    page.wait_for_selector(".verification.valid")
    assert page.url.endswith(f"/transactions/{tx_id}")  # no reload: the script swapped the panel in
    verified = ledger.VerifyReceipt(
        ledger_pb2.VerifyReceiptRequest(receipt=record.decision_receipt, content=record.anchored_decision)
    )
    assert verified.valid
    assert page.locator("code.verified-txid").inner_text() == verified.commit.transaction_id
    assert page.locator("dd.verified-block").inner_text() == str(verified.commit.block_number)
    shoot(page, tmp_path, "04-receipt-verified")

    # Label it as fraud.
    page.fill("form.label input[name=scenario]", "shell_merchant")
    page.click("form.label button[value=fraud]")
    page.wait_for_selector("p.notice[role=status]")
    assert f"Labelled {tx_id} as fraud" in page.locator("p.notice[role=status]").inner_text()
    labelled = ingest.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id=tx_id)).record
    assert (labelled.label, labelled.label_scenario) == (common_pb2.FRAUD_LABEL_FRAUD, "shell_merchant")
    shoot(page, tmp_path, "05-labelled")

    # Open its merchant, and release the freeze the settlement review made.
    page.click(f"a[href='/merchants/{SHELL}'] >> nth=0")
    page.wait_for_url(f"**/merchants/{SHELL}")
    assert "Suspected merchant" in page.locator(".suspected").inner_text()
    freeze_id = running.world.freeze_id
    article = page.locator(f"article[data-freeze='{freeze_id}']")
    assert article.locator(".status").inner_text() == "frozen"
    shoot(page, tmp_path, "06-merchant")
    article.locator("input[name=reason]").fill("case reviewed: the payments are legitimate")
    article.locator("button[type=submit]").click()
    page.wait_for_selector("p.notice[role=status]")
    assert f"Freeze {freeze_id} released on the ledger" in page.locator("p.notice[role=status]").inner_text()
    assert page.locator(f"article[data-freeze='{freeze_id}'] .status").inner_text() == "released"
    shoot(page, tmp_path, "07-freeze-released")

    freeze = ledger.GetFreeze(ledger_pb2.GetFreezeRequest(freeze_id=freeze_id)).freeze
    assert freeze.status == ledger_pb2.FREEZE_STATUS_RELEASED
    history = ledger.GetHistory(ledger_pb2.GetHistoryRequest(freeze_id=freeze_id)).entries
    assert [e.freeze.status for e in history] == [
        ledger_pb2.FREEZE_STATUS_FROZEN,
        ledger_pb2.FREEZE_STATUS_RELEASED,
    ]
    for transaction_id in freeze.transaction_ids:
        got = ingest.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id=transaction_id)).record
        assert got.settlement_status == common_pb2.SETTLEMENT_STATUS_UNSETTLED
    released = [
        n
        for n in notices_for(running.addresses["push"], SHELL)
        if n.kind == push_pb2.NOTIFICATION_KIND_FUNDS_RELEASED
    ]
    assert [n.data["freeze_id"] for n in released] == [freeze_id]


def test_an_analyst_reads_devices_models_and_the_live_view_but_cannot_release(
    page, running: Running, tmp_path
):
    sign_in(page, running, ANALYST, tmp_path)
    page.goto(f"{running.console_url}/merchants/{SHELL}")
    assert page.locator("form.release").count() == 0
    shoot(page, tmp_path, "01-merchant-as-analyst")

    page.goto(f"{running.console_url}/devices")
    page.fill("input[name=device]", DEVICE)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"**/devices/{DEVICE}")
    assert "sequence gap" in page.locator("table.findings").inner_text()
    page.click("button.verify")
    page.wait_for_selector(".verification.valid")
    shoot(page, tmp_path, "02-device")

    page.goto(f"{running.console_url}/models")
    assert page.locator("strong.active-marker").count() == 1
    assert page.locator("table.models button").count() == 0  # activation is for operators
    shoot(page, tmp_path, "03-models")

    page.goto(f"{running.console_url}/live")
    panel = page.locator("#live-panel")
    first = time.monotonic()
    page.wait_for_selector("#live-panel[data-updated]", state="attached")
    assert time.monotonic() - first < 20
    assert panel.locator("svg.chart").count() >= 1
    shoot(page, tmp_path, "04-live")

    response = page.goto(f"{running.console_url}/queue?min_score=high")
    assert response is not None
    assert response.status == 400
    assert "min_score" in page.locator(".error-page").inner_text()
    assert "Traceback" not in page.content()
    shoot(page, tmp_path, "05-bad-query")


def test_a_page_and_the_calls_it_makes_are_one_trace(page, running: Running, otlp, tmp_path):
    sign_in(page, running, ANALYST, tmp_path)
    page.goto(f"{running.console_url}/merchants/{SHELL}")
    deadline = time.monotonic() + 20
    while True:
        spans = otlp.spans()
        pages = [
            s
            for s in spans
            if s.service == "payrisk-console" and s.name == "GET /merchants/{merchant_id:path}"
        ]
        traces = {s.trace_id for s in pages}
        called = {s.service for s in spans if s.trace_id in traces and s.service != "payrisk-console"}
        if {"payrisk-ingest", "payrisk-risk", "payrisk-ledger"} <= called:
            break
        assert time.monotonic() < deadline, f"the page's trace reached only {called}"
        time.sleep(0.3)
