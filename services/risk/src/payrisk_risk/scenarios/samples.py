"""Labelled samples: feature rows of transfers with the scenario each belongs to and its split group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from payrisk.ingest.v1 import ingest_pb2
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .amlsim import AmlsimSample
from .arrays import Floats, Ints
from .features import feature_matrix
from .graph import AMLSIM_SCALE, PAYRISK_SCALE, RelationGraph
from .patterns import find_patterns
from .records import scenario_labels, to_transfers
from .transfers import Transfers

NORMAL = ""


@dataclass(frozen=True)
class LabelledSample:
    # Where the rows come from ("amlsim:20K_fanin200", "ingest").
    source: str
    features: Floats
    # Per row: the scenario label ("" for normal).
    labels: list[str]
    # Per row: rows of one group (a pattern, an account) are never split apart.
    groups: Ints
    transfer_ids: list[str]

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, index: Ints) -> LabelledSample:
        rows = index.tolist()
        return LabelledSample(
            source=self.source,
            features=self.features[index],
            labels=[self.labels[i] for i in rows],
            groups=self.groups[index],
            transfer_ids=[self.transfer_ids[i] for i in rows],
        )

    def kinds(self) -> list[str]:
        return sorted({label for label in self.labels if label != NORMAL})


def amlsim_sample(sample: AmlsimSample) -> LabelledSample:
    """Every transfer of an AMLSim sample; a pattern is one group, each normal sender's transfers another."""
    patterns = find_patterns(sample)
    transfers = sample.transfers
    graph = RelationGraph(transfers, AMLSIM_SCALE)
    n_patterns = len(patterns.kinds)
    groups = np.where(patterns.pattern >= 0, patterns.pattern, n_patterns + transfers.payer)
    return LabelledSample(
        source=f"amlsim:{sample.name}",
        features=feature_matrix(graph, np.arange(len(transfers), dtype=np.int64)),
        labels=patterns.labels(),
        groups=groups.astype(np.int64),
        transfer_ids=transfers.ids,
    )


# A grouping that puts more than this share of a scenario's rows in one group is no grouping at all.
_LARGEST_GROUP_SHARE = 0.5


def _episodes(transfers: Transfers, rows: Ints) -> Ints:
    """Groups of a scenario's rows: accounts linked by its transfers form one episode; when that lumps most
    rows together (many episodes sharing a popular merchant), each payer's rows are one group instead."""
    n = transfers.n_accounts
    src, dst = transfers.payer[rows], transfers.payee[rows]
    graph = coo_matrix((np.ones(len(rows)), (src, dst)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    groups: Ints = component[src].astype(np.int64)
    if len(rows) and np.bincount(groups).max() > _LARGEST_GROUP_SHARE * len(rows):
        by_payer: Ints = src.astype(np.int64)
        return by_payer
    return groups


def records_sample(records: Sequence[ingest_pb2.TransactionRecord], source: str = "ingest") -> LabelledSample:
    """Every record, labelled with its fraud scenario; episodes and each normal payer are groups."""
    transfers = to_transfers([r.transaction for r in records])
    graph = RelationGraph(transfers, PAYRISK_SCALE)
    labels = scenario_labels(records)
    label_array = np.array(labels, dtype=object)
    n = transfers.n_accounts
    groups = transfers.payer.copy()
    offset = n
    for kind in sorted(set(labels) - {NORMAL}):
        rows = np.flatnonzero(label_array == kind)
        groups[rows] = offset + _episodes(transfers, rows)
        offset += n
    return LabelledSample(
        source=source,
        features=feature_matrix(graph, np.arange(len(transfers), dtype=np.int64)),
        labels=labels,
        groups=groups,
        transfer_ids=transfers.ids,
    )
