"""The array types the relation graph computes with, and grouped statistics over them."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


def group_count(keys: Ints, size: int) -> Floats:
    counts: Floats = np.bincount(keys, minlength=size).astype(np.float64)
    return counts


def group_mean(keys: Ints, values: Floats, size: int) -> Floats:
    """Mean of `values` per key (0 for keys without any)."""
    sums = np.bincount(keys, weights=values, minlength=size)
    means: Floats = sums / np.maximum(group_count(keys, size), 1.0)
    return means


def group_std(keys: Ints, values: Floats, size: int) -> Floats:
    mean = group_mean(keys, values, size)
    spread: Floats = np.sqrt(np.maximum(group_mean(keys, (values - mean[keys]) ** 2, size), 0.0))
    return spread


def distinct_count(keys: Ints, others: Ints, size: int) -> Floats:
    """How many different `others` each key is paired with."""
    pairs = np.unique(np.stack([keys, others]), axis=1)
    return group_count(pairs[0], size)


def safe_log(values: Floats) -> Floats:
    logged: Floats = np.log(np.maximum(values, 1e-12))
    return logged


def unique_ints(values: Ints) -> Ints:
    """Sorted distinct values (a plain sort: faster than np.unique's hashing on large int arrays)."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    distinct: Ints = ordered[keep]
    return distinct
