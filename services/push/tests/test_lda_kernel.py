"""The compiled E-step against the array version it replaced, which stays here as the reference."""

from __future__ import annotations

import numpy as np
from payrisk_push.mining.lda import OnlineLDA
from scipy import sparse
from scipy.special import psi


def reference_e_step(
    lda: OnlineLDA, counts: sparse.csr_matrix, start: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every document still moving, updated together with sparse products, until all settle."""
    beta = np.exp(psi(lda.lam) - psi(lda.lam.sum(axis=1, keepdims=True)))
    beta_t = np.ascontiguousarray(beta.T)
    gamma = start.copy()
    active = np.arange(counts.shape[0])
    for _ in range(lda.max_iterations):
        part = counts[active]
        rows = np.repeat(np.arange(len(active)), np.diff(part.indptr))
        theta = np.exp(psi(gamma[active]) - psi(gamma[active].sum(axis=1, keepdims=True)))
        norm = np.einsum("ij,ij->i", theta[rows], beta_t[part.indices]) + 1e-100
        scaled = sparse.csr_matrix((part.data / norm, part.indices, part.indptr), shape=part.shape)
        fresh = lda.alpha + theta * (scaled @ beta_t)
        change = np.abs(fresh - gamma[active]).mean(axis=1)
        gamma[active] = fresh
        active = active[change >= lda.tolerance]
        if not len(active):
            break
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    theta = np.exp(psi(gamma) - psi(gamma.sum(axis=1, keepdims=True)))
    norm = np.einsum("ij,ij->i", theta[rows], beta_t[counts.indices]) + 1e-100
    weighted = sparse.csr_matrix(
        (counts.data * weights[rows] / norm, counts.indices, counts.indptr), shape=counts.shape
    )
    return gamma, beta * np.asarray(weighted.T @ theta).T


def short_documents(rng: np.random.Generator, documents: int, words: int) -> sparse.csr_matrix:
    """Bills' word counts: a dozen words or so each, a few repeated."""
    lengths = rng.integers(1, 15, documents)
    rows = np.repeat(np.arange(documents), lengths)
    columns = rng.integers(0, words, len(rows))
    counts = sparse.coo_matrix((np.ones(len(rows)), (rows, columns)), shape=(documents, words)).tocsr()
    counts.sum_duplicates()
    return counts


def test_the_compiled_e_step_settles_every_document_where_the_array_version_does():
    rng = np.random.default_rng(7)
    lda = OnlineLDA(16, seed=3)
    lda.grow(300)
    # Some topics learnt first, so the documents have something to settle towards.
    for _ in range(5):
        batch = short_documents(rng, 400, 300)
        lda.learn(batch, np.ones(400))
    counts = short_documents(rng, 1500, 300)
    start = rng.gamma(100.0, 0.01, (1500, 16))
    # Half of them seen before: they start from where they settled last time.
    start[::2] = lda.infer(counts[::2]).gamma
    weights = rng.integers(1, 5, 1500).astype(np.float64)
    expected_gamma, expected_stats = reference_e_step(lda, counts, start, weights)
    gamma, stats = lda._e_step(counts, start, weights)
    assert np.allclose(gamma, expected_gamma, rtol=1e-9, atol=1e-12)
    assert np.allclose(stats, expected_stats, rtol=1e-9, atol=1e-12)


def test_digamma_is_scipys():
    from payrisk_push.mining.lda_kernel import _digamma

    compiled = _digamma.py_func
    values = np.concatenate([np.geomspace(1e-3, 1e4, 500), [1 / 16, 0.5, 1.0, 5.999, 6.0, 6.001]])
    assert np.allclose([compiled(v) for v in values], psi(values), rtol=1e-12, atol=1e-12)
