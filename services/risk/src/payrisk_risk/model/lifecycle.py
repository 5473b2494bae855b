"""Model lifecycle: train a new version from labelled transactions, list versions, activate one.

Training runs in a worker thread and one at a time; activation loads and checks the new model completely
before the scorer's reference is swapped, so a refused model leaves the current one serving.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
from payrisk_runtime import FailedPrecondition

from ..features import Columns, StateLimits, empty_columns
from ..metrics import model_activated
from ..scoring import Scorer
from .artefact import ModelMeta
from .dataset import replay, training_data
from .registry import ModelRegistry, Thresholds
from .serving import ModelRefused, ServingModel
from .training import Params, train

logger = logging.getLogger("payrisk.risk.model")
Labels = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class TrainingPlan:
    delay_days: int
    test_days: int
    activate: bool


@dataclass(frozen=True, slots=True)
class TrainingDefaults:
    params: Params
    thresholds: Thresholds
    limits: StateLimits
    unlabeled_as_legitimate: bool


class ModelLifecycle:
    def __init__(self, registry: ModelRegistry, scorer: Scorer, defaults: TrainingDefaults) -> None:
        self.registry = registry
        self._scorer = scorer
        self._defaults = defaults
        self._training = asyncio.Lock()
        self._activating = asyncio.Lock()

    @property
    def active_version(self) -> str | None:
        model = self._scorer.model
        return model.version if model is not None else None

    def is_compiled(self, version: str) -> bool:
        model = self._scorer.model
        return model is not None and model.version == version and model.compiled is not None

    async def restore(self) -> bool:
        """At start: serve the model that was active, or else the newest that loads. False if none does."""
        candidates = [m.version for m in self.registry.versions()]
        remembered = self.registry.active_version()
        if remembered in candidates:
            candidates.remove(remembered)
            candidates.insert(0, remembered)
        for version in candidates:
            try:
                model = await asyncio.to_thread(self.registry.load, version)
            except ModelRefused as refused:
                logger.error("%s", refused.message)
                continue
            self._scorer.activate(model)
            model_activated(model.version)
            if version != remembered:
                logger.warning(
                    "serving model %s (the active one, %s, could not be loaded)", version, remembered
                )
            return True
        return False

    async def activate(self, version: str) -> ServingModel:
        async with self._activating:
            model = await asyncio.to_thread(self.registry.load, version)
            await asyncio.to_thread(self.registry.mark_active, version)
            self._scorer.activate(model)
            model_activated(model.version)
        logger.info("model %s is active%s", version, " (compiled inference)" if model.compiled else "")
        return model

    async def train(self, batches: AsyncIterator[tuple[Columns, Labels]], plan: TrainingPlan) -> ModelMeta:
        if self._training.locked():
            raise FailedPrecondition("a model is already being trained; try again when it is done")
        async with self._training:
            parts, labels = [], []
            async for cols, batch_labels in batches:
                parts.append(cols)
                labels.append(batch_labels)
            cols = Columns.concat(parts) if parts else empty_columns()
            every_label = np.concatenate(labels) if labels else np.zeros(0, dtype=np.int64)
            meta = await asyncio.to_thread(self._fit, cols, every_label, plan)
            if plan.activate:
                await self.activate(meta.version)
            return meta

    def _fit(self, cols: Columns, labels: Labels, plan: TrainingPlan) -> ModelMeta:
        d = self._defaults
        if len(cols) == 0:
            raise FailedPrecondition("there are no transactions to train on")
        replayed, features = replay(
            [cols], d.limits, self.registry.feature_settings["local_utc_offset_hours"]
        )
        data = training_data(replayed, features, labels, d.unlabeled_as_legitimate)
        trained = train(data, d.params, plan.delay_days, plan.test_days)
        probe = data.features[np.linspace(0, len(data) - 1, num=min(len(data), 512)).astype(np.int64)]
        params = {**asdict(d.params), "delay_days": plan.delay_days, "test_days": plan.test_days}
        return self.registry.save(trained.booster, probe, d.thresholds, trained.metrics, params)
