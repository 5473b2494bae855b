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
        # Each document's distinct words (as vocabulary columns, ascending) and how often each occurs, and its
        # known tags (as columns of the per-tag tables): all documents' one after the other, so that a
        # mini-batch's are gathered with a few array operations.
        self._words = _Spans()
        self._tags = _Spans()
        # The variational parameters each document had the last time it was seen (zeros: never).
        self.gamma = Rows(topics)

    def __len__(self) -> int:
        return len(self.keys)

    def ids(self, keys: Sequence[DocumentKey]) -> Ints:
        found = list(map(self._ids.get, keys))
        if None in found:
            found = [i if i is not None else self._add(k) for i, k in zip(found, keys, strict=True)]
        return np.array(found, dtype=np.int64)

    def _add(self, key: DocumentKey) -> int:
        known = self._ids.get(key)
        if known is not None:
            return known
        description, tags, mcc = key
        words = self.words
        occurrences: dict[int, int] = {}
        for word in bill_tokens(description, tags, mcc):
            column = words.setdefault(word, len(words))
            occurrences[column] = occurrences.get(column, 0) + 1
        columns = sorted(occurrences)
        self._words.append(columns, [occurrences[c] for c in columns])
        self._tags.append(_tag_columns(tags))
        self.keys.append(key)
        self._ids[key] = len(self.keys) - 1
        self.gamma.ensure(len(self.keys))
        return len(self.keys) - 1

    def matrix(self, ids: Ints) -> sparse.csr_matrix:
        """Word counts of the documents, one row each."""
        indptr, columns, counts = self._words.gather(ids)
        return sparse.csr_matrix((counts, columns, indptr), shape=(len(ids), len(self.words)))

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
        indptr, tags, _ = self._tags.gather(ids)
        owners = np.repeat(np.arange(len(ids)), np.diff(indptr))
        return owners, tags

    def state(self) -> tuple[dict[str, Any], dict[str, Any]]:
        arrays = {
            "doc_lengths": self._words.lengths.values.copy(),
            "doc_columns": self._words.columns.values.copy(),
            "doc_counts": self._words.weights.values.copy(),
            "doc_gamma": self.gamma.values,
        }
        meta = {"doc_keys": [[d, list(t), m] for d, t, m in self.keys], "words": list(self.words)}
        return arrays, meta

    @classmethod
    def from_state(cls, topics: int, arrays: dict[str, Any], meta: dict[str, Any]) -> Documents:
        documents = cls(topics)
        documents.words = {w: i for i, w in enumerate(meta["words"])}
        documents._words = _Spans.of(
            np.asarray(arrays["doc_lengths"], dtype=np.int64),
            np.asarray(arrays["doc_columns"], dtype=np.int64),
            np.asarray(arrays["doc_counts"], dtype=np.float64),
        )
        for i, (description, tags, mcc) in enumerate(meta["doc_keys"]):
            key = (description, tuple(tags), mcc)
            documents.keys.append(key)
            documents._ids[key] = i
            documents._tags.append(_tag_columns(key[1]))
        documents.gamma = Rows.of(np.asarray(arrays["doc_gamma"], dtype=np.float64).reshape(-1, topics))
        return documents


def _tag_columns(tags: tuple[str, ...]) -> list[int]:
    return sorted({TAG_INDEX[t] for t in tags if t in TAG_INDEX})


class _Spans:
    """A variable-length row of columns and their weights per document, all rows in one growing array."""

    def __init__(self) -> None:
        self.columns = Rows(None, np.int64)
        self.weights = Rows(None, np.float64)
        self.starts = Rows(None, np.int64)
        self.lengths = Rows(None, np.int64)

    def append(self, columns: list[int], weights: list[int] | None = None) -> None:
        """A row; its weights are 1 each when None."""
        row, at = self.lengths.count, self.columns.count
        self.starts.ensure(row + 1)
        self.lengths.ensure(row + 1)
        self.starts.values[row], self.lengths.values[row] = at, len(columns)
        self.columns.ensure(at + len(columns))
        self.weights.ensure(at + len(columns))
        self.columns.values[at:] = columns
        self.weights.values[at:] = 1 if weights is None else weights

    def gather(self, rows: Ints) -> tuple[Ints, Ints, Floats]:
        """(indptr, columns, weights) of the rows, one after the other, as a CSR matrix has them."""
        lengths = self.lengths.values[rows]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        positions = np.repeat(self.starts.values[rows] - indptr[:-1], lengths) + np.arange(indptr[-1])
        return indptr, self.columns.values[positions], self.weights.values[positions]

    @classmethod
    def of(cls, lengths: Ints, columns: Ints, weights: Floats) -> _Spans:
        spans = cls()
        starts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        spans.lengths, spans.starts = Rows.of(lengths), Rows.of(starts)
        spans.columns, spans.weights = Rows.of(columns), Rows.of(weights)
        return spans
