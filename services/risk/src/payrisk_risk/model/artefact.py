"""A model on disk: one directory per version, written whole or not at all.

<models>/<version>/model.txt    LightGBM's text model
                  /probe.npy    feature rows and LightGBM's scores for them (to verify what is loaded)
                  /model.so     the compiled model, when it could be built
                  /meta.json    version, time, feature list and settings, thresholds, metrics, checksums
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]

MODEL_FILE = "model.txt"
PROBE_FILE = "probe.npy"
LIBRARY_FILE = "model.so"
META_FILE = "meta.json"


@dataclass(frozen=True)
class ModelMeta:
    version: str
    created_at_us: int
    features: list[str]
    # What else the features depend on (the local clock); a model is only served with the same.
    feature_settings: dict[str, float]
    review_threshold: float
    decline_threshold: float
    metrics: dict[str, float]
    # File name -> SHA-256 of its bytes.
    checksums: dict[str, str]
    params: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> ModelMeta:
        return ModelMeta(**json.loads(text))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_directory(root: Path, version: str, files: dict[str, Path], meta: ModelMeta) -> Path:
    """Moves `files` (name -> a file written elsewhere) and the metadata into <root>/<version> atomically."""
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=root))
    try:
        for name, path in files.items():
            shutil.move(str(path), staging / name)
        (staging / META_FILE).write_text(meta.to_json())
        for path in staging.iterdir():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
        final = root / version
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def read_meta(directory: Path) -> ModelMeta:
    return ModelMeta.from_json((directory / META_FILE).read_text())


def save_probe(path: Path, features: Floats, scores: Floats) -> None:
    np.save(path, np.column_stack([features, scores]), allow_pickle=False)


def load_probe(path: Path) -> tuple[Floats, Floats]:
    table = np.load(path, allow_pickle=False)
    return table[:, :-1], table[:, -1]
