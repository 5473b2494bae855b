"""Scoring accepted transactions through the risk service, without ever losing one when risk is away."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

import grpc
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.risk.v1 import risk_pb2, risk_pb2_grpc
from payrisk_runtime import Backoff

from .records import transaction_from_row
from .store import TransactionStore

logger = logging.getLogger("payrisk.ingest.scoring")


class Scorer(Protocol):
    @property
    def state_when_skipped(self) -> int:
        """The scoring state of transactions this scorer did not decide."""

    async def score(self, transactions: list[common_pb2.Transaction]) -> list[common_pb2.Decision] | None:
        """Decisions in order, or None when they could not be had in time."""


class NoScorer:
    """This deployment does not score at ingestion."""

    state_when_skipped = ingest_pb2.SCORING_STATE_DISABLED

    async def score(self, transactions: list[common_pb2.Transaction]) -> list[common_pb2.Decision] | None:
        return None


class RiskScorer:
    """Asks risk's ScoreTransactions with a deadline; on any failure the batch stays unscored."""

    state_when_skipped = ingest_pb2.SCORING_STATE_UNSCORED

    def __init__(self, channel: grpc.aio.Channel, deadline_seconds: float) -> None:
        self._stub = risk_pb2_grpc.RiskServiceStub(channel)
        self._deadline = deadline_seconds

    async def score(self, transactions: list[common_pb2.Transaction]) -> list[common_pb2.Decision] | None:
        try:
            response = await self._stub.ScoreTransactions(
                risk_pb2.ScoreTransactionsRequest(transactions=transactions), timeout=self._deadline
            )
        except grpc.aio.AioRpcError as error:
            logger.warning(
                "risk unavailable, %d transactions left unscored: %s", len(transactions), error.code()
            )
            return None
        if len(response.decisions) != len(transactions):
            logger.error(
                "risk returned %d decisions for %d transactions", len(response.decisions), len(transactions)
            )
            return None
        return list(response.decisions)


class UnscoredSweeper:
    """Periodically scores what was stored while risk was unreachable."""

    def __init__(
        self,
        store: TransactionStore,
        scorer: Scorer,
        interval_seconds: float,
        grace_seconds: float,
        batch: int = 500,
    ) -> None:
        self._store = store
        self._scorer = scorer
        self._interval = interval_seconds
        # Younger unscored transactions may still get their decision from the batch that stored them.
        self._grace_us = int(grace_seconds * 1_000_000)
        self._batch = batch

    async def sweep_once(self) -> int | None:
        """Scores one batch of unscored transactions; returns how many were decided (None: risk did not answer)."""
        before_us = time.time_ns() // 1000 - self._grace_us
        rows = await asyncio.to_thread(self._store.unscored, self._batch, before_us)
        if not rows:
            return 0
        decisions = await self._scorer.score([transaction_from_row(r) for r in rows])
        if decisions is None:
            return None
        await asyncio.to_thread(self._store.record_decisions, decisions)
        return len(decisions)

    async def run(self) -> None:
        # While risk does not answer, attempts back off exponentially with full jitter (up to 8 intervals), so
        # that a recovering risk service is not met by every ingest replica's backlog at the same instant.
        backoff = Backoff(base_seconds=self._interval, max_seconds=8 * self._interval)
        while True:
            try:
                while (decided := await self.sweep_once()) == self._batch:
                    pass
                failed = decided is None
            except Exception:
                logger.exception("sweeping unscored transactions failed; will retry")
                failed = True
            if failed:
                await backoff.wait()
            else:
                backoff.reset()
                await asyncio.sleep(self._interval)
