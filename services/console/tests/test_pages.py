"""The console's pages over real HTTP, against the real services: what an analyst sees, and what the services
hold after an analyst or operator acts."""

from __future__ import annotations

import re

from console_data import DEVICE, GOOD, SHELL, decided
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk.risk.v1 import risk_pb2

ROW_IDS = re.compile(r'class="tx" href="/transactions/([^"]+)"')


def queue_ids(html: str) -> list[str]:
    return ROW_IDS.findall(html)


async def test_the_queue_lists_review_and_decline_decisions_newest_first(analyst, system):
    page = await analyst.get("/queue")
    assert page.status_code == 200
    listed = await system.ingest.ListTransactions(
        ingest_pb2.ListTransactionsRequest(
            outcomes=[common_pb2.OUTCOME_REVIEW, common_pb2.OUTCOME_DECLINE], newest_first=True
        )
    )
    assert {r.transaction.transaction_id for r in listed.records} == set(system.world.flagged)
    # In ingest's newest-first order, and nothing approved.
    assert queue_ids(page.text) == [r.transaction.transaction_id for r in listed.records]
    assert "Score distribution" in page.text
    assert "Decisions over time" in page.text
    assert "<svg" in page.text


async def test_the_queue_filters_by_outcome_merchant_and_score(analyst, system):
    records = {r.transaction.transaction_id: r for r in await decided(system.ingest, system.world.all_ids)}
    by_merchant = await analyst.get("/queue", params={"merchant": SHELL})
    assert set(queue_ids(by_merchant.text)) == set(system.world.flagged)

    high = sorted(records[t].decision.score for t in system.world.flagged)[-2]
    # Just below the second highest score (a printed score is rounded), so at least two are in.
    scored = await analyst.get("/queue", params={"min_score": f"{high - 1e-6:.6f}"})
    assert set(queue_ids(scored.text)) == {
        t for t in system.world.flagged if records[t].decision.score >= high
    }

    none = await analyst.get("/queue", params={"merchant": GOOD, "outcome": "review"})
    assert none.status_code == 200
    assert queue_ids(none.text) == []
    assert "Nothing to review with these filters" in none.text


async def test_the_queue_pages_through_older_decisions(analyst, system):
    first = await analyst.get("/queue", params={"page_size": "3"})
    first_ids = queue_ids(first.text)
    assert len(first_ids) == 3
    older = re.search(r'class="next" href="([^"]+)"', first.text)
    assert older, "no link to older decisions"
    second = await analyst.get(older.group(1).replace("&amp;", "&"))
    second_ids = queue_ids(second.text)
    assert second_ids
    assert not set(first_ids) & set(second_ids)


async def test_bad_query_parameters_are_named_with_a_400_and_no_stack_trace(analyst):
    page = await analyst.get("/queue", params={"min_score": "2", "since": "yesterday", "outcome": "maybe"})
    assert page.status_code == 400
    for field in ("min_score", "since", "outcome"):
        assert f"<code>{field}</code>" in page.text
    assert "Traceback" not in page.text
    not_a_page = await analyst.get("/queue", params={"page": "not-a-page"})
    assert not_a_page.status_code == 400
    assert "Traceback" not in not_a_page.text
    bad_id = await analyst.get("/transactions/" + "x" * 200)
    assert bad_id.status_code == 400
    assert "<code>transaction_id</code>" in bad_id.text


async def test_a_transaction_shows_its_score_reasons_scenarios_and_receipt(analyst, system):
    tx_id = system.world.flagged[0]
    [record] = await decided(system.ingest, [tx_id])
    page = await analyst.get(f"/transactions/{tx_id}")
    assert page.status_code == 200
    assert f"{record.decision.score:.3f}" in page.text
    for reason in record.decision.reasons:
        assert reason.feature in page.text
    assert "Matched scenarios" in page.text
    assert record.decision_receipt.commit.transaction_id in page.text
    assert record.decision_receipt.merkle_root.hex() in page.text


async def test_verifying_a_receipt_checks_it_on_the_ledger(analyst, system):
    tx_id = system.world.flagged[0]
    [record] = await decided(system.ingest, [tx_id])
    expected = await system.ledger.VerifyReceipt(
        ledger_pb2.VerifyReceiptRequest(receipt=record.decision_receipt, content=record.anchored_decision)
    )
    assert expected.valid
    page = await analyst.get(f"/transactions/{tx_id}/verify")
    assert page.status_code == 200
    assert "✓ Verified" in page.text
    assert f'<code class="verified-txid">{expected.commit.transaction_id}</code>' in page.text
    assert f'<dd class="verified-block">{expected.commit.block_number}</dd>' in page.text
    # The page's script asks for just the receipt panel.
    fragment = await analyst.get(f"/transactions/{tx_id}/verify", headers={"X-Console-Fragment": "1"})
    assert fragment.text.lstrip().startswith('<div class="receipt-panel"')
    assert "<html" not in fragment.text


async def test_labelling_feeds_ingest_and_needs_the_forms_token(analyst, system):
    tx_id = system.world.flagged[-1]
    refused = await analyst.post(f"/transactions/{tx_id}/label", data={"label": "fraud"})
    assert refused.status_code == 403
    [record] = await decided(system.ingest, [tx_id])
    assert record.label == common_pb2.FRAUD_LABEL_UNSPECIFIED

    page = await analyst.get(f"/transactions/{tx_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = await analyst.post(
        f"/transactions/{tx_id}/label",
        data={"label": "fraud", "scenario": "shell_merchant", "csrf_token": token},
    )
    assert done.status_code == 303
    [record] = await decided(system.ingest, [tx_id])
    assert (record.label, record.label_scenario) == (common_pb2.FRAUD_LABEL_FRAUD, "shell_merchant")
    shown = await analyst.get(done.headers["location"])
    assert f"Labelled {tx_id} as fraud" in shown.text

    wrong = await analyst.post(f"/transactions/{tx_id}/label", data={"label": "maybe", "csrf_token": token})
    assert wrong.status_code == 400
    assert "<code>label</code>" in wrong.text


async def test_the_merchant_page_shows_the_assessment_figures_peers_and_freezes(analyst, system):
    assessment = (
        await system.risk.AssessMerchant(risk_pb2.AssessMerchantRequest(merchant_id=SHELL))
    ).assessment
    page = await analyst.get(f"/merchants/{SHELL}")
    assert page.status_code == 200
    text = page.text
    assert "Suspected merchant" in text
    assert f"<dt>Transactions</dt><dd>{assessment.indicators.transaction_count}</dd>" in text
    assert f"{assessment.registration.merchants_within_radius}" in text
    assert "not an accepted type" in text
    assert "below the threshold" in text
    assert "against its peers" in text
    assert 'class="peer"' in text
    freeze = (
        await system.ledger.GetFreeze(ledger_pb2.GetFreezeRequest(freeze_id=system.world.freeze_id))
    ).freeze
    assert f'data-freeze="{freeze.freeze_id}"' in text
    history = (
        await system.ledger.GetHistory(ledger_pb2.GetHistoryRequest(freeze_id=freeze.freeze_id))
    ).entries
    for entry in history:
        assert entry.transaction_id in text
    # An analyst sees the freeze but no release form.
    assert "Only an operator may release" in text or freeze.status == ledger_pb2.FREEZE_STATUS_RELEASED
    # ...and the settlement review that froze it.
    assert "Settlement reviews" in text
    assert f"<code>{freeze.instruction_id}</code>" in text


async def test_an_empty_merchant_page_says_so(analyst):
    page = await analyst.get(f"/merchants/{GOOD}")
    assert page.status_code == 200
    assert "No funds of this merchant were ever frozen." in page.text
    assert "No settlement of this merchant was reviewed yet." in page.text
    assert "Not suspected" in page.text


async def test_an_unknown_transaction_is_a_404_that_says_not_found(analyst):
    page = await analyst.get("/transactions/no-such-transaction")
    assert page.status_code == 404
    assert "Not found" in page.text


async def test_a_device_shows_its_level_findings_and_a_verifiable_verdict(analyst, system):
    assessment = (await system.risk.AssessDevice(risk_pb2.AssessDeviceRequest(device_id=DEVICE))).assessment
    page = await analyst.get(f"/devices/{DEVICE}")
    assert page.status_code == 200
    level = (
        risk_pb2.SecurityLevel.Name(assessment.level)
        .removeprefix("SECURITY_LEVEL_")
        .lower()
        .replace("_", " ")
    )
    assert f">{level}</span>" in page.text
    for finding in assessment.findings:
        assert finding.kind.replace("_", " ") in page.text
    assert "gap" in page.text  # numbers 3 and 4 never arrived
    verified = await analyst.get(f"/devices/{DEVICE}/verify")
    assert "✓ Verified" in verified.text
    assert assessment.receipt.ledger_transaction_id in verified.text


async def test_models_show_their_metrics_and_only_operators_may_activate(analyst, operator, system):
    [model] = (await system.risk.ListModels(risk_pb2.ListModelsRequest())).models
    page = await analyst.get("/models")
    assert f"{model.metrics.roc_auc:.3f}" in page.text
    assert f"{model.metrics.average_precision:.3f}" in page.text
    assert f"{model.metrics.card_precision_at_100:.3f}" in page.text
    assert "active-marker" in page.text

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    refused = await analyst.post(f"/models/{model.version}/activate", data={"csrf_token": token})
    assert refused.status_code == 403
    assert "Only an operator" in refused.text

    op_page = await operator.get("/models")
    op_token = re.search(r'name="csrf_token" value="([^"]+)"', op_page.text).group(1)
    done = await operator.post(f"/models/{model.version}/activate", data={"csrf_token": op_token})
    assert done.status_code == 303
    unknown = await operator.post("/models/no-such-model/activate", data={"csrf_token": op_token})
    assert unknown.status_code == 404
    assert "risk" in unknown.text
