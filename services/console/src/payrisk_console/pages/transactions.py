"""One transaction: its decision and reasons, the scenarios it matches, its ledger receipt; verify and label."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk.risk.v1 import risk_pb2
from starlette.requests import Request
from starlette.responses import Response

from ..actions import LABELS, label_transaction
from ..queue import require_id
from ..services import Services, call
from ..web import attempt, console, flash, form_field, redirect, render, signed_in, wants_fragment

TOP_SCENARIOS = 5


def transaction_id(request: Request) -> str:
    return require_id("transaction_id", request.path_params["transaction_id"])


async def fetch_record(services: Services, tx_id: str) -> ingest_pb2.TransactionRecord:
    response = await call(
        "ingest",
        services.reader.ingest.GetTransaction(
            ingest_pb2.GetTransactionRequest(transaction_id=tx_id), timeout=services.deadline
        ),
    )
    record: ingest_pb2.TransactionRecord = response.record
    return record


async def verify_record(
    services: Services, record: ingest_pb2.TransactionRecord
) -> ledger_pb2.VerifyReceiptResponse:
    response: ledger_pb2.VerifyReceiptResponse = await call(
        "ledger",
        services.reader.ledger.VerifyReceipt(
            ledger_pb2.VerifyReceiptRequest(
                receipt=record.decision_receipt, content=record.anchored_decision
            ),
            timeout=services.deadline,
        ),
    )
    return response


@signed_in()
async def transaction_page(request: Request) -> Response:
    tx_id = transaction_id(request)
    services = console(request).services
    record, (scenarios, scenario_error) = await asyncio.gather(
        fetch_record(services, tx_id),
        attempt(
            call(
                "risk",
                services.reader.risk.MatchScenarios(
                    risk_pb2.MatchScenariosRequest(transaction_id=tx_id, top_k=TOP_SCENARIOS),
                    timeout=services.deadline,
                ),
            )
        ),
    )
    return render(
        request,
        "transaction.html",
        {
            "record": record,
            "scenarios": scenarios,
            "scenario_error": scenario_error,
            "verification": None,
            "verify_error": None,
        },
    )


@signed_in()
async def verify_transaction(request: Request) -> Response:
    tx_id = transaction_id(request)
    services = console(request).services
    record = await fetch_record(services, tx_id)
    verification, verify_error = None, None
    if record.HasField("decision_receipt"):
        verification, verify_error = await attempt(verify_record(services, record))
    context = {"record": record, "verification": verification, "verify_error": verify_error}
    if wants_fragment(request):
        return render(request, "_receipt.html", context)
    return render(request, "transaction.html", {**context, "scenarios": None, "scenario_error": None})


@signed_in()
async def label(request: Request) -> Response:
    tx_id = transaction_id(request)
    form = request.state.form
    value = form_field(form, "label", choices=tuple(LABELS))
    scenario = require_id("scenario", form_field(form, "scenario", required=False), required=False)
    account = request.state.account
    await label_transaction(console(request).services, tx_id, value, scenario, account.name)
    flash(request, f"Labelled {tx_id} as {value}; the next training uses it.")
    return redirect(f"/transactions/{quote(tx_id, safe='')}")
