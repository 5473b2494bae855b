"""Online variational Bayes for latent Dirichlet allocation (Hoffman, Blei and Bach, 2010).

scikit-learn's LatentDirichletAllocation runs its E-step one document at a time in Python; bills are short and
arrive by the million, so here the E-step is compiled (lda_kernel), each document iterating on its own. The
vocabulary grows with the bills: a new word's column starts from the same random prior as the first ones.
Documents seen before start from their last topic mix, so they settle in an iteration or two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.special import psi

from .arrays import Floats


@dataclass(frozen=True)
class Inferred:
    # Per document: the variational Dirichlet parameters and the topic mix they imply.
    gamma: Floats
    mixes: Floats


class OnlineLDA:
    def __init__(
        self, topics: int, *, seed: int = 0, max_iterations: int = 60, tolerance: float = 1e-3
    ) -> None:
        self.topics = topics
        # Priors as scikit-learn's defaults: 1 / topics for both.
        self.alpha = 1.0 / topics
        self.eta = 1.0 / topics
        # Learning rate (tau0 + t) ** -kappa: later mini-batches move the topics less.
        self.tau0 = 10.0
        self.kappa = 0.7
        self.updates = 0
        self.documents = 0
        self.max_iterations = max_iterations
        self.tolerance = tolerance
        self.rng = np.random.default_rng(seed)
        self.lam: Floats = np.zeros((topics, 0))

    @property
    def words(self) -> int:
        return int(self.lam.shape[1])

    def grow(self, words: int) -> None:
        """Make room for words up to `words` (new columns start from the random prior)."""
        if words > self.words:
            fresh = self.rng.gamma(100.0, 0.01, (self.topics, words - self.words))
            self.lam = np.hstack([self.lam, fresh])

    def topic_words(self) -> Floats:
        """Each topic's distribution over the vocabulary, one row per topic."""
        normalised: Floats = self.lam / self.lam.sum(axis=1, keepdims=True)
        return normalised

    def infer(self, counts: sparse.csr_matrix, start: Floats | None = None) -> Inferred:
        """Topic mixes of documents (rows of word counts) under the current topics."""
        gamma, _ = self._e_step(counts, start, None)
        return Inferred(gamma, gamma / gamma.sum(axis=1, keepdims=True))

    def learn(self, counts: sparse.csr_matrix, weights: Floats, start: Floats | None = None) -> Inferred:
        """One online update from a mini-batch; `weights[d]` is how many bills document d stands for.

        Returns the documents' mixes under the topics as they were before the update (the E-step's view).
        """
        self.grow(counts.shape[1])
        gamma, sstats = self._e_step(counts, start, weights)
        assert sstats is not None
        batch = float(weights.sum())
        self.documents += int(batch)
        # The corpus is everything mined so far: a mini-batch counts as its share of that.
        scale = max(self.documents, batch) / batch
        rho = (self.tau0 + self.updates) ** -self.kappa
        self.lam *= 1 - rho
        self.lam += rho * (self.eta + scale * sstats)
        self.updates += 1
        return Inferred(gamma, gamma / gamma.sum(axis=1, keepdims=True))

    def _expected_beta(self) -> Floats:
        beta: Floats = np.exp(psi(self.lam) - psi(self.lam.sum(axis=1, keepdims=True)))
        return beta

    def _e_step(
        self, counts: sparse.csr_matrix, start: Floats | None, weights: Floats | None
    ) -> tuple[Floats, Floats | None]:
        # Compiled code (numba, and LLVM under it: a hundred megabytes) is loaded by a process that mines,
        # not by one that only answers requests.
        from . import lda_kernel

        self.grow(counts.shape[1])
        documents = counts.shape[0]
        beta = self._expected_beta()
        beta_t = np.ascontiguousarray(beta.T)
        gamma = start.copy() if start is not None else self.rng.gamma(100.0, 0.01, (documents, self.topics))
        gamma = np.ascontiguousarray(gamma, dtype=np.float64)
        indptr, indices = counts.indptr.astype(np.int64), counts.indices.astype(np.int64)
        data = counts.data.astype(np.float64)
        # Each document iterates until it settles: most do in a round or two, a few take many.
        lda_kernel.settle(
            indptr, indices, data, beta_t, gamma, self.alpha, self.max_iterations, self.tolerance
        )
        if weights is None:
            return gamma, None
        statistics = lda_kernel.word_statistics(
            indptr, indices, data, np.asarray(weights, dtype=np.float64), beta_t, gamma
        )
        sstats: Floats = beta * statistics.T
        return gamma, sstats
