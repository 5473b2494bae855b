"""Feature vectors of transfers in the relation graph, in four dimensions.

Every feature is a ratio, a share, a log count or a flag, never a raw amount or time, so a scenario learned
on one graph can be recognised in another of a different size, currency or clock. Each has a unit, the
difference that means one step (a factor of two, one more link, a flag), in which distances are measured.
"""

from __future__ import annotations

import numpy as np

from ..arrays import Floats, Ints
from ..graph import RelationGraph
from . import behaviour, device, social, transaction

_MODULES = {"transaction": transaction, "device": device, "behaviour": behaviour, "social": social}
DIMENSIONS: tuple[str, ...] = tuple(_MODULES)
FEATURE_NAMES: tuple[str, ...] = tuple(name for m in _MODULES.values() for name, _ in m.FEATURES)
FEATURE_UNITS: Floats = np.array(
    [unit for m in _MODULES.values() for _, unit in m.FEATURES], dtype=np.float64
)
# Per feature: the index of its dimension in DIMENSIONS.
FEATURE_DIMENSIONS: Ints = np.array(
    [d for d, m in enumerate(_MODULES.values()) for _ in m.FEATURES], dtype=np.int64
)


def feature_matrix(graph: RelationGraph, index: Ints) -> Floats:
    """One row per transfer index, one column per FEATURE_NAMES entry."""
    matrix: Floats = np.hstack([module.compute(graph, index) for module in _MODULES.values()])
    return matrix


def dimension_of(name: str) -> str:
    return DIMENSIONS[int(FEATURE_DIMENSIONS[FEATURE_NAMES.index(name)])]


__all__ = [
    "DIMENSIONS",
    "FEATURE_DIMENSIONS",
    "FEATURE_NAMES",
    "FEATURE_UNITS",
    "dimension_of",
    "feature_matrix",
]
