"""A model ready to serve: loaded, checked against its artefact and the feature list, never changed after.

Refusals say exactly what is wrong (a checksum, a feature list, a file LightGBM cannot read), so that an
operator activating a bad model learns why while the current one keeps serving.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from payrisk_runtime import FailedPrecondition

from ..features import FEATURES
from .artefact import LIBRARY_FILE, MODEL_FILE, PROBE_FILE, Floats, ModelMeta, load_probe, read_meta, sha256
from .compiled import CompiledPredictor, load_verified
from .explain import Explainer, Forest

logger = logging.getLogger("payrisk.risk.model")


class ModelRefused(FailedPrecondition):
    """This model cannot be served; the message says why."""


@dataclass(frozen=True)
class ServingModel:
    meta: ModelMeta
    booster: lgb.Booster
    compiled: CompiledPredictor | None
    # The compiled TreeSHAP (explain.py), once it has given LightGBM's contributions exactly.
    explainer: Explainer | None = None

    @property
    def version(self) -> str:
        return self.meta.version

    def predict(self, features: Floats) -> Floats:
        """Fraud probabilities."""
        if len(features) == 0:
            return np.zeros(0)
        if self.compiled is not None:
            return self.compiled.predict(features)
        scores: Floats = np.asarray(self.booster.predict(features, num_threads=1), dtype=np.float64)
        return scores

    def contributions(self, features: Floats) -> Floats:
        """(n, features + 1): each feature's contribution to the log-odds (TreeSHAP), then the bias."""
        if len(features) == 0:
            return np.zeros((0, len(self.meta.features) + 1))
        if self.explainer is not None:
            return self.explainer.contributions(features)
        return lightgbm_contributions(self.booster, features)


def lightgbm_contributions(booster: lgb.Booster, features: Floats) -> Floats:
    values: Floats = np.asarray(booster.predict(features, pred_contrib=True, num_threads=1))
    return values


def verified_explainer(booster: lgb.Booster, probe: Floats, version: str) -> Explainer | None:
    """The compiled explainer, if it gives exactly LightGBM's contributions on the probe rows."""
    try:
        explainer = Explainer(Forest.of(booster))
        same = np.array_equal(explainer.contributions(probe), lightgbm_contributions(booster, probe))
    except (ValueError, KeyError) as error:
        logger.warning("model %s is explained by LightGBM: %s", version, error)
        return None
    if not same:
        logger.warning("compiled explanations of model %s differ from LightGBM's; LightGBM explains", version)
        return None
    return explainer


def _refuse(version: str, why: str) -> ModelRefused:
    return ModelRefused(f"model {version} cannot be served: {why}")


def load_model(directory: Path, feature_settings: dict[str, float], use_compiled: bool) -> ServingModel:
    version = directory.name
    try:
        meta = read_meta(directory)
    except (OSError, ValueError, TypeError) as error:
        raise _refuse(version, f"its metadata is unreadable ({error})") from error
    for name, checksum in meta.checksums.items():
        path = directory / name
        if not path.exists():
            raise _refuse(version, f"{name} is missing")
        if sha256(path) != checksum:
            raise _refuse(version, f"{name} does not match its checksum (the file is corrupt or was changed)")
    if list(meta.features) != list(FEATURES):
        missing = sorted(set(FEATURES) - set(meta.features))
        extra = sorted(set(meta.features) - set(FEATURES))
        raise _refuse(
            version,
            f"it was trained on another feature list (missing {missing[:5]}, unknown {extra[:5]}, "
            f"{len(meta.features)} features against {len(FEATURES)})",
        )
    if meta.feature_settings != feature_settings:
        raise _refuse(
            version, f"its features were built with {meta.feature_settings}, not {feature_settings}"
        )
    try:
        booster = lgb.Booster(model_file=str(directory / MODEL_FILE))
    except lgb.basic.LightGBMError as error:
        raise _refuse(version, f"LightGBM cannot read {MODEL_FILE} ({error})") from error
    if booster.feature_name() != list(FEATURES):
        raise _refuse(version, f"{MODEL_FILE} names other features than its metadata")
    probe, expected = _probe(directory, version)
    if not np.allclose(np.asarray(booster.predict(probe, num_threads=1)), expected, rtol=0, atol=1e-12):
        raise _refuse(version, f"{MODEL_FILE} does not reproduce the scores recorded when it was trained")
    compiled = None
    if use_compiled and (directory / LIBRARY_FILE).exists():
        compiled = load_verified(directory / LIBRARY_FILE, probe, expected)
    explainer = verified_explainer(booster, probe, version) if use_compiled else None
    return ServingModel(meta, booster, compiled, explainer)


def _probe(directory: Path, version: str) -> tuple[Floats, npt.NDArray[np.float64]]:
    try:
        probe, expected = load_probe(directory / PROBE_FILE)
    except (OSError, ValueError) as error:
        raise _refuse(version, f"{PROBE_FILE} is unreadable ({error})") from error
    if probe.shape[1] != len(FEATURES):
        raise _refuse(version, f"{PROBE_FILE} has {probe.shape[1]} features, not {len(FEATURES)}")
    return probe, expected
