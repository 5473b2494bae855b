"""Gathering what a merchant assessment needs from ingest: the registration, its neighbours within the
radius, the transactions (of a window, or all still unsettled) with their model scores."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2

from ..clients import Downstream, call
from ..features import columns_from_transactions
from ..scoring import Scorer
from .assessment import Assessment, MerchantRiskConfig, Registration, WindowTransactions, assess

PAGE = 1000
INGEST = "ingest"


@dataclass(frozen=True, slots=True)
class MerchantResult:
    merchant_id: str
    assessment: Assessment
    window_start_us: int
    window_end_us: int


class MerchantAssessor:
    def __init__(
        self,
        downstream: Downstream,
        scorer: Scorer,
        config: MerchantRiskConfig,
        default_review_threshold: float,
        max_transactions: int,
    ) -> None:
        self._downstream = downstream
        self._scorer = scorer
        self._config = config
        self._default_review_threshold = default_review_threshold
        self._max_transactions = max_transactions

    @property
    def _review_threshold(self) -> float:
        model = self._scorer.model
        return model.meta.review_threshold if model is not None else self._default_review_threshold

    async def assess_window(self, merchant_id: str, start_us: int, end_us: int) -> MerchantResult:
        registration = await self._registration(merchant_id)
        request = ingest_pb2.ListTransactionsRequest(merchant_id=merchant_id, page_size=PAGE)
        request.start_time.FromMicroseconds(start_us)
        request.end_time.FromMicroseconds(end_us)
        records = [r async for r in self._records(request)]
        window = await self._window(records)
        return MerchantResult(merchant_id, self._assess(registration, window), start_us, end_us)

    async def assess_unsettled(
        self, merchant_id: str
    ) -> tuple[MerchantResult, dict[str, ingest_pb2.TransactionRecord]]:
        """The assessment over every unsettled transaction, and those transactions by id."""
        registration = await self._registration(merchant_id)
        request = ingest_pb2.ListTransactionsRequest(
            merchant_id=merchant_id, settlement_status=common_pb2.SETTLEMENT_STATUS_UNSETTLED, page_size=PAGE
        )
        records = [r async for r in self._records(request)]
        window = await self._window(records)
        times = [r.transaction.occurred_at.ToMicroseconds() for r in records] or [0]
        result = MerchantResult(merchant_id, self._assess(registration, window), min(times), max(times) + 1)
        return result, {r.transaction.transaction_id: r for r in records}

    def _assess(self, registration: Registration, window: WindowTransactions) -> Assessment:
        return assess(registration, window, self._review_threshold, self._config)

    async def _registration(self, merchant_id: str) -> Registration:
        ingest = self._downstream.need_ingest()
        deadline = self._downstream.deadline_seconds
        found = await call(
            INGEST,
            ingest.GetMerchant(ingest_pb2.GetMerchantRequest(merchant_id=merchant_id), timeout=deadline),
        )
        merchant = found.merchant
        return Registration(
            capital_minor=merchant.registered_capital.minor_units,
            registration_type=merchant.registration_type,
            neighbours=await self._neighbours(merchant),
        )

    async def _neighbours(self, merchant: common_pb2.Merchant) -> int:
        ingest = self._downstream.need_ingest()
        enough = self._config.neighbours_worth_counting
        request = ingest_pb2.ListMerchantsRequest(radius_meters=self._config.radius_meters, page_size=PAGE)
        request.near.CopyFrom(merchant.registered_location.point)
        count = 0
        while True:
            page = await call(
                INGEST, ingest.ListMerchants(request, timeout=self._downstream.deadline_seconds)
            )
            count += sum(1 for m in page.merchants if m.merchant_id != merchant.merchant_id)
            if not page.next_page_token or count >= enough:
                return min(count, enough)
            request.page_token = page.next_page_token

    async def _records(
        self, request: ingest_pb2.ListTransactionsRequest
    ) -> AsyncIterator[ingest_pb2.TransactionRecord]:
        ingest = self._downstream.need_ingest()
        taken = 0
        while taken < self._max_transactions:
            page = await call(
                INGEST, ingest.ListTransactions(request, timeout=self._downstream.deadline_seconds)
            )
            for record in page.records[: self._max_transactions - taken]:
                yield record
            taken += len(page.records)
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    async def _window(self, records: list[ingest_pb2.TransactionRecord]) -> WindowTransactions:
        scores = np.array(
            [
                r.decision.score if r.HasField("decision") and r.decision.model_version else np.nan
                for r in records
            ],
            dtype=np.float64,
        )
        unscored = np.flatnonzero(np.isnan(scores))
        if len(unscored) and self._scorer.model is not None:
            # Scored now; the feature state counts each transaction once whichever path brings it.
            cols = columns_from_transactions([records[i].transaction for i in unscored.tolist()])
            scored = await asyncio.to_thread(self._scorer.score, cols)
            scores[unscored] = scored.scores
        transactions = [r.transaction for r in records]
        return WindowTransactions(
            transaction_ids=[t.transaction_id for t in transactions],
            amount_minor=np.array([t.amount.minor_units for t in transactions], dtype=np.int64),
            fee_minor=np.array([t.fee.minor_units for t in transactions], dtype=np.int64),
            type=np.array([t.type for t in transactions], dtype=np.int64),
            scores=scores,
            currency=[t.amount.currency_code for t in transactions],
        )
