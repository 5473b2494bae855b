"""A merchant's settlement reviews as the console and operators read them: newest first, each with how far
its freeze, settlement status and notice have come."""

from __future__ import annotations

import asyncio

from payrisk.common.v1 import common_pb2
from payrisk.risk.v1 import risk_pb2
from payrisk_runtime.validation import Violations, check_id

from .reviewer import current_response
from .store import ReviewStore

DEFAULT_PAGE, MAX_PAGE = 20, 100


async def list_reviews(
    store: ReviewStore, request: risk_pb2.ListSettlementReviewsRequest
) -> risk_pb2.ListSettlementReviewsResponse:
    v = Violations()
    check_id(v, "merchant_id", request.merchant_id)
    if not 0 <= request.page_size <= MAX_PAGE:
        v.add("page_size", f"must be between 1 and {MAX_PAGE}")
    v.raise_if_any()
    rows = await asyncio.to_thread(store.for_merchant, request.merchant_id, request.page_size or DEFAULT_PAGE)
    response = risk_pb2.ListSettlementReviewsResponse()
    for row in rows:
        review = response.reviews.add(
            amount=common_pb2.Money(currency_code=row.currency, minor_units=row.amount_minor),
            outcome=current_response(row),
            blocked=row.blocked,
            last_error=row.last_error,
        )
        review.reviewed_at.FromMicroseconds(row.created_at_us)
    return response
