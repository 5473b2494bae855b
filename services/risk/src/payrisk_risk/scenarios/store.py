"""The knowledge base on disk: one JSON document in the data directory, replaced atomically."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .knowledge import KnowledgeBase, Scenario

FORMAT_VERSION = 1
FILE_NAME = "scenario_knowledge_base.json"


class KnowledgeBaseUnusable(ValueError):
    """The stored knowledge base cannot be used (unreadable, or built with other features)."""


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


def _scenario_document(s: Scenario) -> dict[str, Any]:
    return {
        "scenario_id": s.scenario_id,
        "name": s.name,
        "source": s.source,
        "center": s.center.tolist(),
        "scale": s.scale.tolist(),
        "centroids": s.centroids.tolist(),
        "widths": s.widths.tolist(),
        "weights": s.weights.tolist(),
        "threshold": s.threshold,
        "samples": s.samples,
        "precision": _number(s.precision),
        "recall": _number(s.recall),
    }


def _scenario(document: dict[str, Any]) -> Scenario:
    def array(key: str) -> np.ndarray:
        return np.array(document[key], dtype=np.float64)

    return Scenario(
        scenario_id=str(document["scenario_id"]),
        name=str(document["name"]),
        source=str(document["source"]),
        center=array("center"),
        scale=array("scale"),
        centroids=array("centroids"),
        widths=array("widths"),
        weights=array("weights"),
        threshold=float(document["threshold"]),
        samples=int(document["samples"]),
        precision=float("nan") if document["precision"] is None else float(document["precision"]),
        recall=float("nan") if document["recall"] is None else float(document["recall"]),
    )


def save(knowledge: KnowledgeBase, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    document = {
        "version": FORMAT_VERSION,
        "feature_names": list(knowledge.feature_names),
        "scenarios": [_scenario_document(s) for s in knowledge.scenarios],
    }
    path = directory / FILE_NAME
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".kb-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=1)
    os.replace(temporary, path)
    return path


def load(directory: Path, feature_names: tuple[str, ...]) -> KnowledgeBase | None:
    """The stored knowledge base, None when none was built yet."""
    path = directory / FILE_NAME
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        scenarios = tuple(_scenario(s) for s in document["scenarios"])
        stored_features = tuple(document["feature_names"])
        version = document["version"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KnowledgeBaseUnusable(f"{path} is not a readable knowledge base: {exc}") from exc
    if version != FORMAT_VERSION or stored_features != feature_names:
        raise KnowledgeBaseUnusable(f"{path} was built with other features; build the knowledge base again")
    return KnowledgeBase(feature_names, scenarios)
