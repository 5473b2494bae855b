"""Maximal marginal relevance: each pick trades its score against its likeness to the ones already picked,
so a list is not ten shops of the same kind."""

from __future__ import annotations

import numpy as np

from ..mining.arrays import Floats, Floats32, Ints

# Weight of likeness against relevance.
DIVERSITY = 0.25
# How far down the ranking the picks may reach, in multiples of the list length.
POOL = 3


def diverse(scores: Floats, mixes: Floats32, eligible: Ints | None, limit: int) -> Ints:
    """Positions (into scores) of up to `limit` picks among `eligible` (None: all), best first; `mixes[i]` is
    the unit-length topic mix of position i."""
    available = len(scores) if eligible is None else len(eligible)
    if not available or limit <= 0:
        return np.zeros(0, dtype=np.int64)
    size = min(available, POOL * limit)
    if eligible is None:
        pool = np.argpartition(-scores, size - 1)[:size] if size < available else np.arange(available)
    else:
        pool = eligible[np.argpartition(-scores[eligible], size - 1)[:size]] if size < available else eligible
    pooled = scores[pool]
    top = pooled.max()
    gain = (1 - DIVERSITY) * (pooled / top if top > 0 else np.zeros(len(pool)))
    chosen = mixes[pool].astype(np.float64)
    likeness = DIVERSITY * (chosen @ chosen.T)
    nearest = np.zeros(len(pool))
    value = np.empty(len(pool))
    picks = np.empty(min(limit, len(pool)), dtype=np.int64)
    for n in range(len(picks)):
        # Methods and out= arrays: a few dozen tiny operations, where numpy's per-call overhead is the cost.
        np.subtract(gain, nearest, out=value)
        best = int(value.argmax())
        picks[n] = best
        gain[best] = -np.inf
        np.maximum(nearest, likeness[best], out=nearest)
    result: Ints = pool[picks]
    return result
