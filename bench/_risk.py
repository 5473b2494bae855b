"""What the risk benchmarks share: a trained model, generated transactions, and risk run as its own process."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from payrisk.common.v1 import common_pb2
from payrisk_ingest.synthetic import GeneratorConfig, generate
from payrisk_risk.app import build_lifecycle
from payrisk_risk.bootstrap import bootstrap
from payrisk_risk.model.lifecycle import TrainingPlan
from payrisk_risk.settings import RiskSettings
from payrisk_runtime.local import LocalService, LocalStack, ServiceSpec

RISK = ServiceSpec("risk", "payrisk_risk", 0)
INGEST = ServiceSpec("ingest", "payrisk_ingest", 0)
QUIET = {"PAYRISK_RISK_LOG_LEVEL": "WARNING", "PAYRISK_INGEST_LOG_LEVEL": "WARNING"}


def train_model(data_dir: Path, transactions: int = 60_000) -> str:
    """The default model (200 trees), trained on generated data into `data_dir` as the service would."""
    settings = RiskSettings(data_dir=data_dir, bootstrap_model=False)
    lifecycle, _ = build_lifecycle(settings)
    plan = TrainingPlan(settings.delay_days, settings.test_days, activate=True)
    return asyncio.run(bootstrap(lifecycle, transactions, plan)).version


def transactions(count: int, seed: int = 23) -> list[common_pb2.Transaction]:
    """Generated transactions in time order, from a seed the model was not trained on."""
    return generate(GeneratorConfig(transactions=count, seed=seed)).transactions


@contextmanager
def risk_stack(env: dict[str, str] | None = None) -> Iterator[tuple[LocalStack, LocalService]]:
    """A stack whose risk service starts with a freshly trained model."""
    with tempfile.TemporaryDirectory(prefix="payrisk-bench-risk-") as tmp:
        stack = LocalStack(Path(tmp), dict(QUIET))
        train_model(Path(tmp) / "data")
        try:
            risk = stack.start(RISK, {"PAYRISK_RISK_BOOTSTRAP_MODEL": "false", **(env or {})})
            stack.wait_serving(risk)
            yield stack, risk
        finally:
            stack.stop_all()
