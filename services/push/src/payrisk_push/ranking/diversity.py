"""Maximal marginal relevance: each pick trades its score against its likeness to the ones already picked,
so a list is not ten shops of the same kind."""

from __future__ import annotations

import numpy as np

from ..mining.arrays import Floats, Floats32, Ints

# Weight of likeness against relevance.
DIVERSITY = 0.25
# How far down the ranking the picks may reach, in multiples of the list length.
POOL = 3


def diverse(scores: Floats, mixes: Floats32, rows: Ints, eligible: Ints, limit: int) -> Ints:
    """Positions (into scores) of up to `limit` picks among `eligible`, best first; `mixes[rows[i]]` is the
    unit-length topic mix of position i."""
    if not len(eligible) or limit <= 0:
        return np.zeros(0, dtype=np.int64)
    size = min(len(eligible), POOL * limit)
    pool = eligible[np.argpartition(-scores[eligible], size - 1)[:size]] if size < len(eligible) else eligible
    top = scores[pool].max()
    gain = (1 - DIVERSITY) * (scores[pool] / top if top > 0 else np.zeros(len(pool)))
    chosen = mixes[rows[pool]].astype(np.float64)
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
