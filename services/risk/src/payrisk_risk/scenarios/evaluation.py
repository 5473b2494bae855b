"""Precision and recall of scenario matching, and what was mistaken for what."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class ScenarioScore:
    scenario_id: str
    # Rows truly of the scenario, rows matched to it, and rows both.
    positives: int
    predicted: int
    true_positives: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else float("nan")

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else float("nan")


def scores(predicted: list[str], truth: list[str], scenario_ids: list[str]) -> dict[str, ScenarioScore]:
    """Per scenario id: how the predicted ids ("" for none) compare with the true ones ("" for normal)."""
    pairs = Counter(zip(truth, predicted, strict=True))
    result = {}
    for sid in scenario_ids:
        positives = sum(n for (t, _), n in pairs.items() if t == sid)
        matched = sum(n for (_, p), n in pairs.items() if p == sid)
        result[sid] = ScenarioScore(sid, positives, matched, pairs.get((sid, sid), 0))
    return result


def confusion(predicted: list[str], truth: list[str]) -> dict[tuple[str, str], int]:
    """(true label, predicted id) -> rows."""
    return dict(Counter(zip(truth, predicted, strict=True)))
