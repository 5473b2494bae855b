"""The review queue, with the score distribution and decisions over time of what it is filtered to."""

from __future__ import annotations

import asyncio

from payrisk.ingest.v1 import ingest_pb2
from payrisk.risk.v1 import risk_pb2
from starlette.requests import Request
from starlette.responses import Response

from .. import charts, display, stats
from ..queue import parse_queue_filter
from ..services import call
from ..web import attempt, console, render, signed_in

# Most recent decisions the charts are drawn from.
CHART_SAMPLE = 1000


def _decided(records: list[ingest_pb2.TransactionRecord]) -> list[stats.Decided]:
    decided = []
    for record in records:
        moment = display.to_datetime(record.transaction.occurred_at)
        if record.HasField("decision") and moment is not None:
            decided.append(
                stats.Decided(record.decision.score, display.outcome(record.decision.outcome), moment)
            )
    return decided


def _thresholds(models: risk_pb2.ListModelsResponse | None) -> list[tuple[str, float]]:
    for model in models.models if models else []:
        if model.active:
            return [("review", model.review_threshold), ("decline", model.decline_threshold)]
    return []


@signed_in()
async def queue_page(request: Request) -> Response:
    wanted = parse_queue_filter(request.query_params)
    services = console(request).services
    ingest, risk, deadline = services.reader.ingest, services.reader.risk, services.deadline
    page, (sample, sample_error), (models, _) = await asyncio.gather(
        call("ingest", ingest.ListTransactions(wanted.list_request(), timeout=deadline)),
        attempt(
            call(
                "ingest",
                ingest.ListTransactions(
                    wanted.list_request(page_size=CHART_SAMPLE, any_outcome=True), timeout=deadline
                ),
            )
        ),
        attempt(call("risk", risk.ListModels(risk_pb2.ListModelsRequest(), timeout=deadline))),
    )
    decided = _decided(list(sample.records) if sample else [])
    width, buckets = stats.decisions_over_time(decided)
    context = {
        "filter": wanted,
        "records": page.records,
        "next_page": page.next_page_token,
        "histogram": charts.score_histogram(
            stats.score_histogram(d.score for d in decided), _thresholds(models)
        )
        if decided
        else None,
        "timeline": charts.decisions_over_time(buckets, width) if decided else None,
        "sampled": len(decided),
        "chart_error": sample_error,
    }
    return render(request, "queue.html", context)
