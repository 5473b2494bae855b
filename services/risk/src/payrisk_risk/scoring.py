"""Deciding batches of transactions: features from the online state, one prediction per batch, an outcome
from the model's two thresholds, and the reasons (per-feature contributions) behind each explained decision.

The active model is one reference, swapped whole: a batch takes it once at its start and is decided by that
model throughout, so activating another never disturbs a batch in flight.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from payrisk.common.v1 import common_pb2
from payrisk_runtime import Unavailable

from .features import FEATURES, Columns, FeatureState, observe
from .features.columns import Floats, Ints
from .features.ids import Ids
from .model.serving import ServingModel

APPROVE, REVIEW, DECLINE = common_pb2.OUTCOME_APPROVE, common_pb2.OUTCOME_REVIEW, common_pb2.OUTCOME_DECLINE


@dataclass(frozen=True, slots=True)
class Reason:
    feature: str
    # Contribution to the log-odds; positive raises the risk.
    contribution: float
    value: float


@dataclass(slots=True)
class Scored:
    transaction_ids: Ids
    scores: Floats
    outcomes: Ints
    model_version: str
    # Row -> its reasons, for the rows that were explained.
    reasons: dict[int, list[Reason]] = field(default_factory=dict)

    def rows(self, start: int, stop: int) -> Scored:
        """The decisions of rows [start, stop), numbered from 0."""
        return Scored(
            self.transaction_ids[start:stop],
            self.scores[start:stop],
            self.outcomes[start:stop],
            self.model_version,
            {row - start: r for row, r in self.reasons.items() if start <= row < stop},
        )


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
        """Step two (may run beside the next batch's step one): predict, threshold, explain."""
        model = batch.model
        scores = model.predict(batch.features)
        outcomes = np.full(len(scores), APPROVE, dtype=np.int64)
        outcomes[scores >= model.meta.review_threshold] = REVIEW
        outcomes[scores >= model.meta.decline_threshold] = DECLINE
        scored = Scored(batch.cols.transaction_id, scores, outcomes, model.version)
        if self._reasons:
            explain = (
                np.arange(len(scores)) if self._explain_approved else np.flatnonzero(outcomes != APPROVE)
            )
            scored.reasons = self._explain(model, batch.features, explain)
        return scored

    def score(self, cols: Columns) -> Scored:
        return self.decide(self.featurize(cols))

    def _explain(self, model: ServingModel, features: Floats, rows: Ints) -> dict[int, list[Reason]]:
        if len(rows) == 0:
            return {}
        contributions = model.contributions(features[rows])[:, : len(FEATURES)]
        top = np.argsort(-contributions, axis=1, kind="stable")[:, : self._reasons]
        explained = {}
        for i, row in enumerate(rows.tolist()):
            explained[row] = [
                Reason(FEATURES[j], float(contributions[i, j]), float(features[row, j]))
                for j in top[i].tolist()
            ]
        return explained
