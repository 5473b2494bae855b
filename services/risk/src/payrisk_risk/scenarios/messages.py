"""Scenario matches, relation element groups and scenario summaries as protobuf messages."""

from __future__ import annotations

import math

from payrisk.risk.v1 import risk_pb2

from .groups import RelationGroup
from .knowledge import Match, Scenario

DIMENSION_CODES = {
    "transaction": risk_pb2.DIMENSION_TRANSACTION,
    "device": risk_pb2.DIMENSION_DEVICE,
    "behaviour": risk_pb2.DIMENSION_BEHAVIOUR,
    "social": risk_pb2.DIMENSION_SOCIAL,
}


def group_message(group: RelationGroup) -> risk_pb2.RelationElementGroup:
    return risk_pb2.RelationElementGroup(
        dimension=DIMENSION_CODES[group.dimension],
        source_node=group.source,
        target_node=group.target,
        edge_attributes=group.attributes,
    )


def match_message(match: Match) -> risk_pb2.ScenarioMatch:
    return risk_pb2.ScenarioMatch(
        scenario_id=match.scenario.scenario_id,
        name=match.scenario.name,
        distance=match.distance,
        threshold=match.scenario.threshold,
        within_threshold=match.within_threshold,
    )


def _figure(value: float) -> float:
    """Precision without any prediction is undefined; the message says 0."""
    return 0.0 if math.isnan(value) else value


def summary_message(scenario: Scenario) -> risk_pb2.ScenarioSummary:
    return risk_pb2.ScenarioSummary(
        scenario_id=scenario.scenario_id,
        name=scenario.name,
        samples=scenario.samples,
        clusters=scenario.clusters,
        threshold=scenario.threshold,
        precision=_figure(scenario.precision),
        recall=_figure(scenario.recall),
        source=scenario.source,
    )
