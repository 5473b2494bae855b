"""Deciding batches of transactions: features from the online state, one prediction per batch, an outcome
from the model's two thresholds, and the reasons (per-feature contributions) behind each explained decision.

The active model is one reference, swapped whole: a batch takes it once at its start and is decided by that
model throughout, so activating another never disturbs a batch in flight.

A batch goes through two steps: its features (serial: they update the feature state) and its decisions
(prediction, thresholds, explanations). Callers on the event loop hand the second step to the scorer's own
thread (`decide_beside`), so that one batch is decided while the next one's features are built: both are
compiled code that releases the GIL, and the machine has two cores.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from payrisk.common.v1 import common_pb2
from payrisk_runtime import Unavailable

from .features import FEATURES, Columns, FeatureState, observe
from .features.columns import Floats, Ints
from .features.ids import Ids
from .model.explain import top_reasons
from .model.serving import ServingModel

APPROVE, REVIEW, DECLINE = common_pb2.OUTCOME_APPROVE, common_pb2.OUTCOME_REVIEW, common_pb2.OUTCOME_DECLINE
T = TypeVar("T")
# Batches of fewer rows are decided on the caller's thread.
_BESIDE_FROM_ROWS = 256


@dataclass(frozen=True, slots=True)
class Reason:
    feature: str
    # Contribution to the log-odds; positive raises the risk.
    contribution: float
    value: float


_NO_ROWS = np.zeros(0, dtype=np.int64)


@dataclass(slots=True)
class Scored:
    transaction_ids: Ids
    scores: Floats
    outcomes: Ints
    model_version: str
    # The explained rows (ascending) and, row for row, their reasons highest first: the feature's index in
    # FEATURES (-1 past the last reason), its contribution and its value.
    explained: Ints = field(default_factory=lambda: _NO_ROWS)
    reason_features: Ints = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    reason_contributions: Floats = field(default_factory=lambda: np.zeros((0, 0)))
    reason_values: Floats = field(default_factory=lambda: np.zeros((0, 0)))

    def rows(self, start: int, stop: int) -> Scored:
        """The decisions of rows [start, stop), numbered from 0."""
        first, end = np.searchsorted(self.explained, [start, stop])
        return Scored(
            self.transaction_ids[start:stop],
            self.scores[start:stop],
            self.outcomes[start:stop],
            self.model_version,
            self.explained[first:end] - start,
            self.reason_features[first:end],
            self.reason_contributions[first:end],
            self.reason_values[first:end],
        )

    def reason_index(self) -> Ints:
        """Per row, its row in the reason arrays, -1 for rows not explained."""
        index = np.full(len(self.scores), -1, dtype=np.int64)
        index[self.explained] = np.arange(len(self.explained))
        return index

    def reasons(self, row: int) -> list[Reason]:
        """A row's reasons as objects (for reading them one by one: tests, diagnostics)."""
        at = int(np.searchsorted(self.explained, row))
        if at == len(self.explained) or self.explained[at] != row:
            return []
        return [
            Reason(FEATURES[f], float(c), float(v))
            for f, c, v in zip(
                self.reason_features[at].tolist(),
                self.reason_contributions[at].tolist(),
                self.reason_values[at].tolist(),
                strict=True,
            )
            if f >= 0
        ]


@dataclass(frozen=True, slots=True)
class Featured:
    """A batch between its two steps: features built (state updated), not yet predicted."""

    cols: Columns
    features: Floats
    model: ServingModel


class Scorer:
    def __init__(self, state: FeatureState, reasons: int, explain_approved: bool) -> None:
        self.state = state
        self._reasons = reasons
        self._explain_approved = explain_approved
        self._model: ServingModel | None = None
        # One thread, so that batches are decided in the order they were featurized.
        self._decider = ThreadPoolExecutor(max_workers=1, thread_name_prefix="risk-decide")
        # tl2cgen's predictor serves one thread at a time (and other callers decide in their own threads).
        self._predicting = threading.Lock()
        # At start, not on the first request (imported here: warmup's kernels import this module).
        from .warmup import warm_kernels

        warm_kernels()

    @property
    def model(self) -> ServingModel | None:
        return self._model

    def activate(self, model: ServingModel) -> None:
        self._model = model

    def featurize(self, cols: Columns) -> Featured:
        """Step one (serial: it updates the feature state)."""
        model = self._model
        if model is None:
            raise Unavailable(
                "no model is active yet: train one with TrainModel (or wait for the bootstrap model)"
            )
        features, _ = observe(self.state, cols)
        return Featured(cols, features, model)

    def decide(self, batch: Featured) -> Scored:
        """Step two (may run beside the next batch's step one, in another thread: it holds no state and the
        compiled parts release the GIL): predict, threshold, explain."""
        model = batch.model
        with self._predicting:
            scores = model.predict(batch.features)
        outcomes = np.full(len(scores), APPROVE, dtype=np.int64)
        outcomes[scores >= model.meta.review_threshold] = REVIEW
        outcomes[scores >= model.meta.decline_threshold] = DECLINE
        scored = Scored(batch.cols.transaction_id, scores, outcomes, model.version)
        if self._reasons:
            explain = (
                np.arange(len(scores)) if self._explain_approved else np.flatnonzero(outcomes != APPROVE)
            )
            self._explain(model, batch.features, explain, scored)
        return scored

    def score(self, cols: Columns) -> Scored:
        return self.decide(self.featurize(cols))

    @staticmethod
    def decides_at_once(batch: Featured) -> bool:
        """Whether a batch is decided on the caller's thread: a small one is (handing it over to the
        scorer's thread would cost more than it saves)."""
        return len(batch.features) < _BESIDE_FROM_ROWS

    async def decide_then(self, batch: Featured, then: Callable[[Scored], T]) -> T:
        """Step two and `then`: at once for a small batch, beside the loop for a big one."""
        if self.decides_at_once(batch):
            return then(self.decide(batch))
        return await self.decide_beside(batch, then)

    async def decide_beside(self, batch: Featured, then: Callable[[Scored], T]) -> T:
        """Step two and what follows it (`then`: a response, say) in the scorer's thread, beside the loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._decider, lambda: then(self.decide(batch)))

    def close(self) -> None:
        self._decider.shutdown(wait=False)

    def _explain(self, model: ServingModel, features: Floats, rows: Ints, scored: Scored) -> None:
        if len(rows) == 0:
            return
        explained = features[rows]
        contributions = model.contributions(explained)[:, : len(FEATURES)]
        top = top_reasons(contributions, self._reasons)
        picked = np.arange(len(rows))[:, None]
        scored.explained = rows
        scored.reason_features = top
        scored.reason_contributions = contributions[picked, top]
        scored.reason_values = explained[picked, top]
