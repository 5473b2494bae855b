"""Building scenarios from labelled samples: split by group, learn on one part, calibrate the threshold
on another, and measure precision and recall on the third.

A scenario's threshold is calibrated against every held-out row that is not of its kind, from all the
samples being built at once: normal rows of its own graph and of others, and the patterns of the other
scenarios, so that a fan-in scenario learns where fan-ins end and cycles begin.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .arrays import Bools, Floats, Ints
from .evaluation import ScenarioScore, scores
from .features import FEATURE_UNITS
from .knowledge import KnowledgeBase, Scenario
from .learning import LearningSettings, best_threshold, fit_clusters, standardisation
from .samples import NORMAL, LabelledSample
from .splits import CALIBRATE, TEST, TRAIN, split


@dataclass(frozen=True)
class ScenarioSpec:
    scenario_id: str
    name: str
    # The label of the scenario's rows in its sample.
    label: str


@dataclass(frozen=True)
class SourcePlan:
    """The scenarios to learn from one sample."""

    sample: LabelledSample
    specs: tuple[ScenarioSpec, ...]


class NoSamples(ValueError):
    """A scenario has no labelled rows to learn from."""


@dataclass(frozen=True)
class _Split:
    plan: SourcePlan
    parts: Ints

    def rows(self, label: str, part: int) -> Bools:
        labels = np.array(self.plan.sample.labels, dtype=object)
        mask: Bools = (labels == label) & (self.parts == part)
        return mask


def fit_scenario(
    sample: LabelledSample, train: Bools, spec: ScenarioSpec, settings: LearningSettings
) -> Scenario:
    """The scenario's clusters from its training rows; its threshold still to be calibrated."""
    positives = sample.features[train & (np.array(sample.labels, dtype=object) == spec.label)]
    if len(positives) == 0:
        raise NoSamples(f"scenario {spec.scenario_id}: no rows labelled {spec.label!r} in {sample.source}")
    norm = standardisation(sample.features[train], FEATURE_UNITS)
    clusters = fit_clusters((positives - norm.center) / norm.scale, norm.weights, settings)
    return Scenario(
        scenario_id=spec.scenario_id,
        name=spec.name,
        source=sample.source,
        center=norm.center,
        scale=norm.scale,
        centroids=clusters.centroids,
        widths=clusters.widths,
        weights=norm.weights,
        threshold=0.0,
        samples=len(positives),
    )


def _calibrated(
    scenario: Scenario, own: _Split, spec: ScenarioSpec, splits: list[_Split], coverage: float
) -> Scenario:
    positive = own.rows(spec.label, CALIBRATE)
    on_target = scenario.distance(own.plan.sample.features[positive])
    off_target: list[Floats] = []
    for s in splits:
        labels = np.array(s.plan.sample.labels, dtype=object)
        negative = (s.parts == CALIBRATE) & (labels != spec.label)
        off_target.append(scenario.distance(s.plan.sample.features[negative]))
    if len(on_target) == 0:
        # Too few groups to hold any out: the training rows' own spread sets the threshold.
        train = own.plan.sample.features[own.rows(spec.label, TRAIN)]
        return replace(scenario, threshold=float(np.quantile(scenario.distance(train), coverage)))
    return replace(scenario, threshold=best_threshold(on_target, np.concatenate(off_target), coverage))


def held_out_scores(knowledge: KnowledgeBase, plan: SourcePlan, parts: Ints) -> dict[str, ScenarioScore]:
    held_out = plan.sample.take(np.flatnonzero(parts == TEST))
    to_id = {spec.label: spec.scenario_id for spec in plan.specs}
    truth = [to_id.get(label, label) if label != NORMAL else "" for label in held_out.labels]
    predicted = knowledge.predict(held_out.features)
    return scores(predicted, truth, [spec.scenario_id for spec in plan.specs])


def build(
    plans: list[SourcePlan],
    feature_names: tuple[str, ...],
    settings: LearningSettings | None = None,
    base: KnowledgeBase | None = None,
) -> KnowledgeBase:
    """A knowledge base with every planned scenario (added to `base`, replacing same ids), each with its
    precision and recall on its sample's held-out part, matched against the whole knowledge base."""
    settings = settings or LearningSettings()
    splits = [_Split(plan, split(plan.sample, settings.seed)) for plan in plans]
    learned = []
    for own in splits:
        for spec in own.plan.specs:
            fitted = fit_scenario(own.plan.sample, own.parts == TRAIN, spec, settings)
            learned.append(_calibrated(fitted, own, spec, splits, settings.coverage))
    knowledge = (base or KnowledgeBase(feature_names)).replace(learned)
    measured: dict[str, ScenarioScore] = {}
    for s in splits:
        measured.update(held_out_scores(knowledge, s.plan, s.parts))
    final = [
        replace(s, precision=measured[s.scenario_id].precision, recall=measured[s.scenario_id].recall)
        for s in learned
    ]
    return knowledge.replace(final)
