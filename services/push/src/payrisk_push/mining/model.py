"""The push model: an online topic model over bills, and what it learns per tag, per merchant, per environment.

Everything is a running sum, so new bills update it without recomputing the past (`learn` is incremental);
topic mixes use the topic model's current parameters.
"""

from __future__ import annotations

import pickle
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import HashingVectorizer

from .environment import Environment

FEATURES = 2**14


@dataclass
class MerchantProfile:
    title: str
    tags: tuple[str, ...]
    mcc: str
    latitude: float
    longitude: float
    bills: int = 0


@dataclass
class Bill:
    merchant_id: str
    tokens: list[str]
    tags: tuple[str, ...]
    environment: Environment
    title: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class MerchantArrays:
    ids: list[str]
    # Unit-length topic mixes, one row per merchant.
    mixes: np.ndarray
    bills: np.ndarray
    latitude: np.ndarray  # radians
    longitude: np.ndarray  # radians


@dataclass
class PushModel:
    topics: int
    bills: int = 0
    lda: LatentDirichletAllocation | None = None
    tag_topics: dict[str, np.ndarray] = field(default_factory=dict)
    tag_bills: Counter[str] = field(default_factory=Counter)
    merchant_topics: dict[str, np.ndarray] = field(default_factory=dict)
    merchants: dict[str, MerchantProfile] = field(default_factory=dict)
    # Bills per merchant in each environment ("cell|band"), for popularity and cold start.
    environment_counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    # Arrays over merchants, rebuilt after learning: ranking's hot path reads nothing else.
    _arrays: MerchantArrays | None = field(default=None, repr=False)
    _popularity: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def _vectorizer(self) -> HashingVectorizer:
        # Hashing needs no vocabulary, so a new word in tomorrow's bills needs no refit.
        return HashingVectorizer(
            n_features=FEATURES, analyzer=lambda tokens: tokens, alternate_sign=False, norm=None
        )

    def learn(self, bills: list[Bill]) -> None:
        if not bills:
            return
        # Identical bills (same shop, same items) are one document to the topic model: learnt and mixed once.
        distinct: dict[tuple[str, ...], int] = {}
        rows = [distinct.setdefault(tuple(b.tokens), len(distinct)) for b in bills]
        counts = self._vectorizer().transform(list(distinct))
        if self.lda is None:
            self.lda = LatentDirichletAllocation(
                n_components=self.topics, learning_method="online", random_state=0, total_samples=1_000_000
            )
        self.lda.partial_fit(counts)
        mixes = self.lda.transform(counts)[rows]
        for bill, mix in zip(bills, mixes, strict=True):
            for tag in bill.tags:
                self.tag_topics[tag] = self.tag_topics.get(tag, np.zeros(self.topics)) + mix
                self.tag_bills[tag] += 1
            merchant = bill.merchant_id
            self.merchant_topics[merchant] = self.merchant_topics.get(merchant, np.zeros(self.topics)) + mix
            profile = self.merchants.setdefault(
                merchant,
                MerchantProfile(bill.title, bill.tags, bill.environment.mcc, bill.latitude, bill.longitude),
            )
            profile.bills += 1
            self.environment_counts[bill.environment.key][merchant] += 1
            self.environment_counts[bill.environment.band][merchant] += 1
        self.bills += len(bills)
        self._arrays = None
        self._popularity = {}

    def arrays(self) -> MerchantArrays:
        if self._arrays is None:
            ids = list(self.merchant_topics)
            rows = np.array([self.merchant_topics[m] for m in ids]) if ids else np.zeros((0, self.topics))
            norms = np.linalg.norm(rows, axis=1, keepdims=True)
            self._arrays = MerchantArrays(
                ids=ids,
                mixes=rows / np.where(norms == 0, 1, norms),
                bills=np.array([self.merchants[m].bills for m in ids], dtype=float),
                latitude=np.radians([self.merchants[m].latitude for m in ids]),
                longitude=np.radians([self.merchants[m].longitude for m in ids]),
            )
        return self._arrays

    def popularity(self, key: str) -> np.ndarray:
        """Bills per merchant (in `arrays()` order) in an environment: "cell|band", or a band alone."""
        counts = self._popularity.get(key)
        if counts is None:
            in_environment = self.environment_counts.get(key, Counter())
            counts = np.array([in_environment.get(m, 0) for m in self.arrays().ids], dtype=float)
            self._popularity[key] = counts
        return counts

    def topic_mix(self, tag: str) -> np.ndarray | None:
        total = self.tag_topics.get(tag)
        if total is None:
            return None
        mix: np.ndarray = total / total.sum()
        return mix

    def merchant_mix(self, merchant_id: str) -> np.ndarray:
        total = self.merchant_topics[merchant_id]
        mix: np.ndarray = total / total.sum()
        return mix

    def dump(self) -> bytes:
        return pickle.dumps(self)

    @staticmethod
    def load(data: bytes) -> PushModel:
        # Only ever the service's own state from its own database.
        model = pickle.loads(data)  # noqa: S301
        assert isinstance(model, PushModel)
        return model
