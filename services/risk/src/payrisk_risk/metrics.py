"""What risk tells Prometheus beyond the per-RPC figures every server has: decisions by outcome and the model
that made them."""

from __future__ import annotations

import numpy as np
from payrisk.common.v1 import common_pb2
from prometheus_client import Counter, Gauge

from .scoring import Scored

DECISIONS = Counter("payrisk_decisions_total", "Transactions decided", ["outcome", "model_version"])
ACTIVE_MODEL = Gauge(
    "payrisk_model_active", "1, labelled with the version of the model that serves", ["model_version"]
)
_OUTCOMES = {
    value: common_pb2.Outcome.Name(value).removeprefix("OUTCOME_") for value in common_pb2.Outcome.values()
}


def count_decisions(scored: Scored) -> None:
    counts = np.bincount(scored.outcomes, minlength=len(_OUTCOMES)) if len(scored.outcomes) else ()
    for outcome, count in enumerate(counts):
        if count:
            DECISIONS.labels(_OUTCOMES[outcome], scored.model_version).inc(int(count))


def model_activated(version: str) -> None:
    ACTIVE_MODEL.clear()
    ACTIVE_MODEL.labels(version).set(1)
