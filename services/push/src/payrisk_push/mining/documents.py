"""Distinct bill texts as topic-model documents: each is segmented once and remembers its last topic mix.

Bills repeat themselves (the same shop, the same items), so a million bills are tens of thousands of documents.
A document is the description, the business tags and the category code together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse

from ..vocabulary import TAG_INDEX
from .arrays import Floats, Ints, Rows
from .text import bill_tokens

DocumentKey = tuple[str, tuple[str, ...], str]


class Documents:
    def __init__(self, topics: int) -> None:
        self.keys: list[DocumentKey] = []
        self._ids: dict[DocumentKey, int] = {}
        self.words: dict[str, int] = {}
        self._columns: list[Ints] = []
        self._counts: list[Floats] = []
        # Known tags of each document, as columns of the per-tag tables.
        self.tags: list[Ints] = []
        # The variational parameters each document had the last time it was seen (zeros: never).
        self.gamma = Rows(topics)

    def __len__(self) -> int:
        return len(self.keys)

    def ids(self, keys: Sequence[DocumentKey]) -> Ints:
        ids = self._ids
        found = [ids.get(k, -1) for k in keys]
        if -1 in found:
            found = [i if i >= 0 else self._add(k) for i, k in zip(found, keys, strict=True)]
        return np.array(found, dtype=np.int64)

    def _add(self, key: DocumentKey) -> int:
        known = self._ids.get(key)
        if known is not None:
            return known
        description, tags, mcc = key
        words = self.words
        columns = [words.setdefault(w, len(words)) for w in bill_tokens(description, tags, mcc)]
        unique, counts = np.unique(np.array(columns, dtype=np.int64), return_counts=True)
        self._columns.append(unique)
        self._counts.append(counts.astype(np.float64))
        self.tags.append(np.array(sorted({TAG_INDEX[t] for t in tags if t in TAG_INDEX}), dtype=np.int64))
        self.keys.append(key)
        self._ids[key] = len(self.keys) - 1
        self.gamma.ensure(len(self.keys))
        return len(self.keys) - 1

    def matrix(self, ids: Ints) -> sparse.csr_matrix:
        """Word counts of the documents, one row each."""
        columns = [self._columns[i] for i in ids]
        lengths = np.fromiter((len(c) for c in columns), dtype=np.int64, count=len(columns))
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        return sparse.csr_matrix(
            (np.concatenate([self._counts[i] for i in ids]), np.concatenate(columns), indptr),
            shape=(len(ids), len(self.words)),
        )

    def start(self, ids: Ints, fresh: Floats) -> Floats:
        """Where inference starts: each document's last parameters, or `fresh` ones for new documents."""
        last = self.gamma.values[ids]
        new = last.sum(axis=1) == 0
        start: Floats = np.where(new[:, None], fresh, last)
        return start

    def remember(self, ids: Ints, gamma: Floats) -> None:
        self.gamma.values[ids] = gamma

    def tag_pairs(self, ids: Ints) -> tuple[Ints, Ints]:
        """For documents ids[i]: (i, tag) for every known tag of each, as two arrays."""
        tags = [self.tags[i] for i in ids]
        lengths = np.fromiter((len(t) for t in tags), dtype=np.int64, count=len(tags))
        owners = np.repeat(np.arange(len(ids)), lengths)
        return owners, np.concatenate(tags) if tags else np.zeros(0, dtype=np.int64)

    def state(self) -> tuple[dict[str, Any], dict[str, Any]]:
        lengths = np.array([len(c) for c in self._columns], dtype=np.int64)
        arrays = {
            "doc_lengths": lengths,
            "doc_columns": np.concatenate(self._columns) if self._columns else np.zeros(0, np.int64),
            "doc_counts": np.concatenate(self._counts) if self._counts else np.zeros(0),
            "doc_gamma": self.gamma.values,
        }
        meta = {"doc_keys": [[d, list(t), m] for d, t, m in self.keys], "words": list(self.words)}
        return arrays, meta

    @classmethod
    def from_state(cls, topics: int, arrays: dict[str, Any], meta: dict[str, Any]) -> Documents:
        documents = cls(topics)
        documents.words = {w: i for i, w in enumerate(meta["words"])}
        bounds = np.concatenate([[0], np.cumsum(arrays["doc_lengths"])])
        for i, (description, tags, mcc) in enumerate(meta["doc_keys"]):
            key = (description, tuple(tags), mcc)
            documents.keys.append(key)
            documents._ids[key] = i
            documents._columns.append(arrays["doc_columns"][bounds[i] : bounds[i + 1]])
            documents._counts.append(arrays["doc_counts"][bounds[i] : bounds[i + 1]])
            documents.tags.append(
                np.array(sorted({TAG_INDEX[t] for t in tags if t in TAG_INDEX}), dtype=np.int64)
            )
        documents.gamma = Rows.of(np.asarray(arrays["doc_gamma"], dtype=np.float64).reshape(-1, topics))
        return documents
