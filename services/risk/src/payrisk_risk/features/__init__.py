"""Features: transactions as columns, the online window state, and the matrix the models read.

Scoring and training both go through `observe`, so a model is trained on exactly the features it is
served with.
"""

from __future__ import annotations

from .columns import Bools, Columns, Floats, columns_from_transactions, empty_columns
from .spec import CATEGORICAL, FEATURES, feature_matrix
from .state import FeatureState, StateLimits

__all__ = [
    "CATEGORICAL",
    "FEATURES",
    "Columns",
    "FeatureState",
    "StateLimits",
    "columns_from_transactions",
    "empty_columns",
    "feature_matrix",
    "observe",
]


def observe(state: FeatureState, cols: Columns) -> tuple[Floats, Bools]:
    """The feature matrix of a batch as of just before each row, and which rows were new to the state."""
    windows, new = state.observe(cols)
    return feature_matrix(cols, windows, state.utc_offset_hours), new
