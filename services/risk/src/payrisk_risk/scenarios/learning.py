"""Learning one scenario: cluster its risky rows, measure each cluster's spread, calibrate a threshold.

Distances are measured in the features' own units, per cluster in units of the cluster's spread, floored so
that a feature on which the training patterns happened to agree exactly does not make every unseen pattern
look foreign.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

from .arrays import Floats


@dataclass(frozen=True)
class LearningSettings:
    max_clusters: int = 4
    # Fewer risky rows than this per cluster and the clusters merge.
    min_cluster_size: int = 30
    # Smallest cluster width, in feature units.
    width_floor: float = 0.5
    # Share of a scenario's held-out rows the threshold must take in when the scenario is cleanly apart
    # from normal rows; without it the threshold would stretch to the farthest pattern ever seen.
    coverage: float = 0.95
    seed: int = 0


@dataclass(frozen=True)
class Standardisation:
    center: Floats
    scale: Floats
    # 1 for features that vary in the source, 0 for those that never do.
    weights: Floats


@dataclass(frozen=True)
class Clusters:
    centroids: Floats
    widths: Floats


def standardisation(reference: Floats, units: Floats) -> Standardisation:
    """Features in their own units; those that never vary in the source get no weight (a graph without
    devices says nothing about devices)."""
    varies = reference.std(axis=0) > 1e-9
    return Standardisation(np.zeros(len(units)), units.copy(), varies.astype(np.float64))


def fit_clusters(z: Floats, weights: Floats, settings: LearningSettings) -> Clusters:
    k = int(np.clip(len(z) // settings.min_cluster_size, 1, settings.max_clusters))
    weighted = z * np.sqrt(weights)
    if k == 1:
        assignment = np.zeros(len(z), dtype=np.int64)
    else:
        model = KMeans(n_clusters=k, n_init=4, random_state=settings.seed).fit(weighted)
        assignment = model.labels_.astype(np.int64)
    centroids, widths = [], []
    for j in range(k):
        members = z[assignment == j]
        if len(members) == 0:
            continue
        centroids.append(members.mean(axis=0))
        widths.append(np.sqrt(members.var(axis=0) + settings.width_floor**2))
    return Clusters(np.array(centroids), np.array(widths))


def best_threshold(positive: Floats, negative: Floats, coverage: float = 1.0) -> float:
    """The distance threshold with the best F1 between positive and negative calibration rows, but no
    looser than the `coverage` quantile of the positive rows' distances."""
    if len(positive) == 0:
        return 0.0
    distances = np.concatenate([positive, negative])
    is_positive = np.concatenate([np.ones(len(positive)), np.zeros(len(negative))])
    order = np.argsort(distances, kind="stable")
    distances, is_positive = distances[order], is_positive[order]
    true_positives = np.cumsum(is_positive)
    predicted = np.arange(1, len(distances) + 1)
    f1 = 2 * true_positives / (predicted + len(positive))
    # Only a cut after the last of equal distances is a threshold.
    last_of_equal = np.append(distances[1:] != distances[:-1], True)
    f1 = np.where(last_of_equal & (is_positive > 0), f1, -1.0)
    return min(float(distances[int(np.argmax(f1))]), float(np.quantile(positive, coverage)))
