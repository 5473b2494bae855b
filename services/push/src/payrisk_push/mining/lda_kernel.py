"""The topic model's E-step as compiled loops (numba), one document at a time.

Bills are short (a dozen distinct words), so the array version spent its time in the per-call overhead of
numpy and scipy and in digamma over every document of a mini-batch at each iteration; here each document
iterates on its own until it settles, in registers. The arithmetic is the array version's (see
tests/test_lda_kernel.py, which holds the two to the same results). The loops release the GIL, so mining
runs beside requests.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

# Below this, digamma is shifted up by its recurrence before the asymptotic series is used.
_SERIES_FROM = 10.0


@numba.njit(inline="always")
def _digamma(x: Any) -> Any:  # pragma: no cover - compiled
    """psi(x) for x > 0, to about 1e-13 (scipy.special.psi's value)."""
    shifted = 0.0
    while x < _SERIES_FROM:
        shifted -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    series = f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))))
    return shifted + math.log(x) - 0.5 / x - series


@numba.njit(inline="always")
def _theta(gamma: Any, out: Any) -> None:  # pragma: no cover - compiled
    """exp(E[log theta]) of one document: exp(psi(gamma) - psi(sum(gamma)))."""
    total = 0.0
    for k in range(len(gamma)):
        total += gamma[k]
    base = _digamma(total)
    for k in range(len(gamma)):
        out[k] = math.exp(_digamma(gamma[k]) - base)


@numba.njit(nogil=True, cache=True)
def settle(
    indptr: Any,
    indices: Any,
    data: Any,
    beta_t: Any,
    gamma: Any,
    alpha: float,
    max_iterations: int,
    tolerance: float,
) -> None:  # pragma: no cover - compiled
    """Iterates each document's variational parameters (rows of `gamma`, updated in place) until their mean
    absolute change is below `tolerance`, at most `max_iterations` times. Document d's word counts are
    data[indptr[d]:indptr[d + 1]] at columns indices[...]; beta_t is (words, topics)."""
    topics = gamma.shape[1]
    theta = np.empty(topics)
    acc = np.empty(topics)
    for d in range(gamma.shape[0]):
        g = gamma[d]
        start, stop = indptr[d], indptr[d + 1]
        for _ in range(max_iterations):
            _theta(g, theta)
            acc[:] = 0.0
            for j in range(start, stop):
                word = beta_t[indices[j]]
                norm = 1e-100
                for k in range(topics):
                    norm += theta[k] * word[k]
                coefficient = data[j] / norm
                for k in range(topics):
                    acc[k] += coefficient * word[k]
            change = 0.0
            for k in range(topics):
                fresh = alpha + theta[k] * acc[k]
                change += abs(fresh - g[k])
                g[k] = fresh
            if change / topics < tolerance:
                break


@numba.njit(nogil=True, cache=True)
def word_statistics(
    indptr: Any, indices: Any, data: Any, weights: Any, beta_t: Any, gamma: Any
) -> Any:  # pragma: no cover - compiled
    """(words, topics): sum over the documents' words of count * weight / norm * exp(E[log theta]); times
    beta (transposed) it is the mini-batch's sufficient statistics."""
    topics = gamma.shape[1]
    out = np.zeros(beta_t.shape)
    theta = np.empty(topics)
    for d in range(gamma.shape[0]):
        _theta(gamma[d], theta)
        for j in range(indptr[d], indptr[d + 1]):
            column = indices[j]
            word = beta_t[column]
            norm = 1e-100
            for k in range(topics):
                norm += theta[k] * word[k]
            coefficient = data[j] * weights[d] / norm
            for k in range(topics):
                out[column, k] += coefficient * theta[k]
    return out
