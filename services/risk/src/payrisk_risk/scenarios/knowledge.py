"""The risk-scenario knowledge base: each scenario a few cluster centroids in feature space with a
distance threshold, and matching a feature row against all of them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .arrays import Floats


@dataclass(frozen=True)
class Scenario:
    scenario_id: str
    name: str
    # Where it was learned from ("amlsim:20K_fanin200", "ingest").
    source: str
    # Standardisation of raw features, (x - center) / scale: the features' units.
    center: Floats
    scale: Floats
    # (clusters, features): cluster centres and widths in standardised units.
    centroids: Floats
    widths: Floats
    # Per feature: how much it counts (0 for features that never vary in the source).
    weights: Floats
    threshold: float
    samples: int
    # On held-out rows of the source.
    precision: float = float("nan")
    recall: float = float("nan")

    @property
    def clusters(self) -> int:
        return len(self.centroids)

    def distance(self, features: Floats) -> Floats:
        """Per row: the weighted root-mean-square of deviations from the nearest cluster, each feature in
        units of that cluster's width."""
        z = (features - self.center) / self.scale
        total_weight = max(float(self.weights.sum()), 1e-12)
        best = np.full(len(features), np.inf)
        for centroid, width in zip(self.centroids, self.widths, strict=True):
            mean_square = ((z - centroid) / width) ** 2 @ self.weights / total_weight
            best = np.minimum(best, np.sqrt(mean_square))
        return best


@dataclass(frozen=True)
class Match:
    scenario: Scenario
    distance: float

    @property
    def within_threshold(self) -> bool:
        return self.distance <= self.scenario.threshold

    @property
    def ratio(self) -> float:
        return self.distance / self.scenario.threshold if self.scenario.threshold > 0 else np.inf


@dataclass(frozen=True)
class KnowledgeBase:
    feature_names: tuple[str, ...]
    scenarios: tuple[Scenario, ...] = field(default_factory=tuple)

    def distances(self, features: Floats) -> Floats:
        """(rows, scenarios) distances."""
        if not self.scenarios:
            return np.zeros((len(features), 0))
        return np.stack([s.distance(features) for s in self.scenarios], axis=1)

    def ratios(self, features: Floats) -> Floats:
        """(rows, scenarios) distance over threshold: below 1 is within a scenario."""
        thresholds = np.array([s.threshold for s in self.scenarios])
        ratios: Floats = self.distances(features) / np.maximum(thresholds, 1e-12)
        return ratios

    def predict(self, features: Floats) -> list[str]:
        """Per row: the scenario id of the closest scenario within its threshold, or ""."""
        if not self.scenarios:
            return [""] * len(features)
        ratios = self.ratios(features)
        best = ratios.argmin(axis=1)
        within = ratios[np.arange(len(features)), best] <= 1.0
        ids = [s.scenario_id for s in self.scenarios]
        return [ids[b] if w else "" for b, w in zip(best.tolist(), within.tolist(), strict=True)]

    def match(self, row: Floats) -> list[Match]:
        """Every scenario for one feature row, closest (relative to its threshold) first."""
        distances = self.distances(row.reshape(1, -1))[0]
        matches = [Match(s, float(d)) for s, d in zip(self.scenarios, distances.tolist(), strict=True)]
        return sorted(matches, key=lambda m: (m.ratio, m.scenario.scenario_id))

    def replace(self, scenarios: list[Scenario]) -> KnowledgeBase:
        """This knowledge base with the given scenarios added, replacing any of the same id."""
        new_ids = {s.scenario_id for s in scenarios}
        kept = [s for s in self.scenarios if s.scenario_id not in new_ids]
        return KnowledgeBase(self.feature_names, tuple(kept + scenarios))
