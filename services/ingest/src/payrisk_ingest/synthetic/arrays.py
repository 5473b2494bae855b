"""The array types the generator computes with: one int and one float type, kept simple on purpose."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


def pick(rng: np.random.Generator, counts: Ints) -> Ints:
    """A uniformly chosen offset below each count (counts must be positive)."""
    offsets: Ints = (rng.random(len(counts)) * counts).astype(np.int64)
    return offsets


def mix(values: Ints, salt: int) -> Ints:
    """A well-spread 63-bit hash of each value (splitmix64), for choices that must not depend on batching."""
    x = values.astype(np.uint64) + np.uint64((salt * 0x9E3779B97F4A7C15) % 2**64)
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    hashed: Ints = (x >> np.uint64(1)).astype(np.int64)
    return hashed
