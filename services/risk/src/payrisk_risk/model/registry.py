"""The models on disk: saving a trained one as a new version, listing them, and which one is active."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import lightgbm as lgb
import numpy as np
from payrisk_runtime import NotFound

from ..features import FEATURES
from .artefact import (
    LIBRARY_FILE,
    META_FILE,
    MODEL_FILE,
    PROBE_FILE,
    Floats,
    ModelMeta,
    read_meta,
    save_probe,
    sha256,
    write_directory,
)
from .compiled import compile_model
from .serving import ServingModel, load_model

logger = logging.getLogger("payrisk.risk.model")
ACTIVE_FILE = "ACTIVE"
PROBE_ROWS = 512


@dataclass(frozen=True, slots=True)
class Thresholds:
    review: float
    decline: float


class ModelRegistry:
    def __init__(self, root: Path, feature_settings: dict[str, float], use_compiled: bool) -> None:
        self.root = root
        self.feature_settings = feature_settings
        self.use_compiled = use_compiled

    def versions(self) -> list[ModelMeta]:
        """Every readable model, newest first."""
        found = []
        if self.root.exists():
            for directory in self.root.iterdir():
                if not directory.is_dir() or directory.name.startswith("."):
                    continue
                try:
                    found.append(read_meta(directory))
                except (OSError, ValueError, TypeError):
                    logger.warning("model directory %s has no readable metadata", directory)
        return sorted(found, key=lambda m: (m.created_at_us, m.version), reverse=True)

    def load(self, version: str) -> ServingModel:
        directory = self.root / version
        if not (directory / META_FILE).exists() or version.startswith("."):
            raise NotFound(f"model {version} not found")
        return load_model(directory, self.feature_settings, self.use_compiled)

    def active_version(self) -> str | None:
        path = self.root / ACTIVE_FILE
        return path.read_text().strip() or None if path.exists() else None

    def mark_active(self, version: str) -> None:
        """Remembers the active version across restarts (written atomically)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".active-", dir=self.root)
        with os.fdopen(fd, "w") as f:
            f.write(version + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.root / ACTIVE_FILE)

    def save(
        self,
        booster: lgb.Booster,
        probe: Floats,
        thresholds: Thresholds,
        metrics: dict[str, float],
        params: dict[str, object],
    ) -> ModelMeta:
        """Writes a new version: the model, its probe rows and scores, its compiled library, its metadata."""
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".new-", dir=self.root) as tmp:
            work = Path(tmp)
            booster.save_model(str(work / MODEL_FILE))
            rows = probe[:PROBE_ROWS]
            save_probe(work / PROBE_FILE, rows, np.asarray(booster.predict(rows, num_threads=1)))
            files = {MODEL_FILE: work / MODEL_FILE, PROBE_FILE: work / PROBE_FILE}
            if compile_model(booster, work / LIBRARY_FILE):
                files[LIBRARY_FILE] = work / LIBRARY_FILE
            checksums = {name: sha256(path) for name, path in files.items()}
            now = datetime.now(UTC)
            meta = ModelMeta(
                version=f"{now:%Y%m%dT%H%M%S}Z-{checksums[MODEL_FILE][:8]}",
                created_at_us=time.time_ns() // 1000,
                features=list(FEATURES),
                feature_settings=dict(self.feature_settings),
                review_threshold=thresholds.review,
                decline_threshold=thresholds.decline,
                metrics=metrics,
                checksums=checksums,
                params=params,
            )
            write_directory(self.root, meta.version, files, meta)
        logger.info(
            "saved model %s (%s)", meta.version, ", ".join(f"{k} {v:.4g}" for k, v in metrics.items())
        )
        return meta
