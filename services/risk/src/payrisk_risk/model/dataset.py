"""Training rows: transactions replayed, in the order they arrived, through a fresh feature state.

The replay is what scoring does (`features.observe`), so every training row is exactly the row the
service would have scored at that point: no training/serving skew.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
from payrisk.common.v1 import common_pb2

from ..features import FEATURES, Columns, FeatureState, StateLimits, observe
from .training import TrainingData

REPLAY_BATCH = 10_000
FRAUD = common_pb2.FRAUD_LABEL_FRAUD
LEGITIMATE = common_pb2.FRAUD_LABEL_LEGITIMATE


def replay(
    batches: Iterable[Columns], limits: StateLimits, utc_offset_hours: float
) -> tuple[Columns, np.ndarray]:
    """All rows with their features, the rows in arrival order."""
    state = FeatureState(limits, utc_offset_hours)
    parts, matrices = [], []
    for cols in batches:
        for start in range(0, len(cols), REPLAY_BATCH):
            part = cols.take(np.arange(start, min(start + REPLAY_BATCH, len(cols))))
            matrix, _ = observe(state, part)
            parts.append(part)
            matrices.append(matrix)
    if not parts:
        return Columns.concat([]), np.zeros((0, len(FEATURES)))
    return Columns.concat(parts), np.vstack(matrices)


def training_data(
    cols: Columns, features: np.ndarray, labels: npt.NDArray[np.int64], unlabeled_as_legitimate: bool
) -> TrainingData:
    """Rows with a label (and, when asked, the unlabelled ones counted as legitimate)."""
    keep = (labels == FRAUD) | (labels == LEGITIMATE)
    if unlabeled_as_legitimate:
        keep |= labels == common_pb2.FRAUD_LABEL_UNSPECIFIED
    rows = np.flatnonzero(keep)
    card_keys = [c or p for c, p in zip(cols.card_id, cols.payer_id, strict=True)]
    _, cards = np.unique(np.array(card_keys, dtype=object)[rows].astype(str), return_inverse=True)
    return TrainingData(
        features=features[rows],
        fraud=labels[rows] == FRAUD,
        occurred_at_us=cols.occurred_at_us[rows],
        cards=cards.astype(np.int64),
    )
