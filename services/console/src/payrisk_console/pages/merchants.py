"""A merchant's risk picture: registration and indicator risk with their figures, peers, settlements,
freezes with their ledger history; and the operator's release of a freeze."""

from __future__ import annotations

import asyncio
from collections import Counter
from urllib.parse import quote

from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk.risk.v1 import risk_pb2
from starlette.requests import Request
from starlette.responses import Response

from .. import charts, display, peers
from ..actions import release_freeze
from ..auth.accounts import Role
from ..queue import require_id
from ..services import Services, call
from ..web import attempt, console, flash, form_field, redirect, render, signed_in

RECENT_TRANSACTIONS = 200
RECENT_REVIEWS = 20
MAX_FREEZES_WITH_HISTORY = 20
PAGE = 50


async def _assess(services: Services, merchant_id: str) -> risk_pb2.MerchantAssessment:
    response = await call(
        "risk",
        services.reader.risk.AssessMerchant(
            risk_pb2.AssessMerchantRequest(merchant_id=merchant_id), timeout=services.deadline
        ),
    )
    assessment: risk_pb2.MerchantAssessment = response.assessment
    return assessment


async def _freezes(
    services: Services, merchant_id: str
) -> list[tuple[ledger_pb2.Freeze, list[ledger_pb2.HistoryEntry]]]:
    ledger, deadline = services.reader.ledger, services.deadline
    listed = await call(
        "ledger", ledger.ListFreezes(ledger_pb2.ListFreezesRequest(merchant_id=merchant_id), timeout=deadline)
    )
    # Newest first: the one an analyst came for is usually the latest.
    freezes = sorted(listed.freezes, key=lambda f: (f.created_at.seconds, f.created_at.nanos), reverse=True)
    histories = await asyncio.gather(
        *(
            call(
                "ledger",
                ledger.GetHistory(ledger_pb2.GetHistoryRequest(freeze_id=f.freeze_id), timeout=deadline),
            )
            for f in freezes[:MAX_FREEZES_WITH_HISTORY]
        )
    )
    return [(f, list(h.entries)) for f, h in zip(freezes, histories, strict=False)] + [
        (f, []) for f in freezes[MAX_FREEZES_WITH_HISTORY:]
    ]


async def _peer_chart(
    services: Services, merchant: common_pb2.Merchant, own: risk_pb2.MerchantAssessment
) -> object:
    if not merchant.registered_location.HasField("point"):
        return None
    nearby = await call(
        "ingest",
        services.reader.ingest.ListMerchants(
            ingest_pb2.ListMerchantsRequest(
                near=merchant.registered_location.point,
                radius_meters=peers.PEER_RADIUS_METERS,
                page_size=peers.MAX_PEERS + 1,
            ),
            timeout=services.deadline,
        ),
    )
    ids = peers.peer_ids(merchant.merchant_id, nearby.merchants)
    assessed = await asyncio.gather(*(attempt(_assess(services, i)) for i in ids))
    return charts.indicators_against_peers(
        peers.indicator_rows(own, [a for a, _ in assessed if a is not None])
    )


def _settlement_counts(records: list[ingest_pb2.TransactionRecord]) -> dict[str, int]:
    counts = Counter(display.settlement(r.settlement_status) for r in records)
    return dict(sorted(counts.items()))


@signed_in()
async def merchants_page(request: Request) -> Response:
    wanted = request.query_params.get("merchant", "").strip()
    if wanted:
        return redirect(f"/merchants/{quote(require_id('merchant', wanted), safe='')}")
    token = request.query_params.get("page", "")
    services = console(request).services
    listed = await call(
        "ingest",
        services.reader.ingest.ListMerchants(
            ingest_pb2.ListMerchantsRequest(page_size=PAGE, page_token=token[:512]), timeout=services.deadline
        ),
    )
    return render(
        request, "merchants.html", {"merchants": listed.merchants, "next_page": listed.next_page_token}
    )


@signed_in()
async def merchant_page(request: Request) -> Response:
    merchant_id = require_id("merchant_id", request.path_params["merchant_id"])
    services = console(request).services
    ingest, deadline = services.reader.ingest, services.deadline
    (
        got,
        (assessment, assessment_error),
        (freezes, freeze_error),
        (recent, recent_error),
        (reviews, review_error),
    ) = await asyncio.gather(
        call(
            "ingest",
            ingest.GetMerchant(ingest_pb2.GetMerchantRequest(merchant_id=merchant_id), timeout=deadline),
        ),
        attempt(_assess(services, merchant_id)),
        attempt(_freezes(services, merchant_id)),
        attempt(
            call(
                "ingest",
                ingest.ListTransactions(
                    ingest_pb2.ListTransactionsRequest(
                        merchant_id=merchant_id, newest_first=True, page_size=RECENT_TRANSACTIONS
                    ),
                    timeout=deadline,
                ),
            )
        ),
        attempt(
            call(
                "risk",
                services.reader.risk.ListSettlementReviews(
                    risk_pb2.ListSettlementReviewsRequest(merchant_id=merchant_id, page_size=RECENT_REVIEWS),
                    timeout=deadline,
                ),
            )
        ),
    )
    peer_chart, peer_error = (None, None)
    if assessment is not None:
        peer_chart, peer_error = await attempt(_peer_chart(services, got.merchant, assessment))
    records = list(recent.records) if recent else []
    context = {
        "merchant": got.merchant,
        "assessment": assessment,
        "assessment_error": assessment_error,
        "freezes": freezes or [],
        "freeze_error": freeze_error,
        "settlements": _settlement_counts(records),
        "recent_count": len(records),
        "recent_error": recent_error,
        "reviews": list(reviews.reviews) if reviews else [],
        "review_error": review_error,
        "peer_chart": peer_chart,
        "peer_error": peer_error,
    }
    return render(request, "merchant.html", context)


@signed_in(Role.OPERATOR)
async def release(request: Request) -> Response:
    freeze_id = require_id("freeze_id", request.path_params["freeze_id"])
    reason = form_field(request.state.form, "reason")
    released = await release_freeze(console(request).services, freeze_id, reason, request.state.account.name)
    done = [f"Freeze {freeze_id} released"]
    if released.commit is not None:
        done.append(
            f"on the ledger in transaction {released.commit.transaction_id}, block {released.commit.block_number}"
        )
    else:
        done.append("(it had been released on the ledger before)")
    if released.merchant_notified:
        done.append("; the merchant is notified")
    message = " ".join(done) + "."
    if released.pending:
        pending = "; ".join(f"{service}: {why}" for service, why in released.pending.items())
        flash(request, f"{message} Not finished ({pending}); release again to retry.", "warning")
    else:
        flash(request, message)
    return redirect(f"/merchants/{quote(released.freeze.merchant_id, safe='')}")
