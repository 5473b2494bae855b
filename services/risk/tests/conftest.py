"""Real risk servers on loopback ports, with the real ingest, ledger and push beside them when a test needs them.

One small model is trained on generated data once per session and copied into each server's data directory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import pytest
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2_grpc
from payrisk.risk.v1 import risk_pb2_grpc
from payrisk_ingest.app import IngestApp
from payrisk_ingest.app import start as start_ingest
from payrisk_ingest.settings import IngestSettings
from payrisk_ledger.app import LedgerApp
from payrisk_ledger.app import start as start_ledger
from payrisk_ledger.settings import LedgerSettings
from payrisk_risk.app import RiskApp, start
from payrisk_risk.settings import RiskSettings
from risk_factories import install_model, risk_settings_for, train_small_model


@pytest.fixture(scope="session")
async def trained_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding one small trained (and compiled) model, active."""
    root = tmp_path_factory.mktemp("trained")
    await train_small_model(root)
    return root


@pytest.fixture
def risk_settings(tmp_path: Path, trained_models: Path) -> RiskSettings:
    install_model(trained_models, tmp_path)
    return risk_settings_for(tmp_path)


@pytest.fixture
async def risk_app(risk_settings: RiskSettings) -> AsyncIterator[RiskApp]:
    app = await start(risk_settings)
    yield app
    await app.stop()


@pytest.fixture
async def risk(risk_app: RiskApp) -> AsyncIterator[risk_pb2_grpc.RiskServiceStub]:
    async with grpc.aio.insecure_channel(risk_app.address) as channel:
        yield risk_pb2_grpc.RiskServiceStub(channel)


@pytest.fixture
async def ingest_app(tmp_path: Path) -> AsyncIterator[IngestApp]:
    app = await start_ingest(
        IngestSettings(
            database_url=f"sqlite:///{tmp_path / 'ingest.db'}", port=0, data_dir=tmp_path / "ingest"
        )
    )
    yield app
    await app.stop()


@pytest.fixture
async def ingest(ingest_app: IngestApp) -> AsyncIterator[ingest_pb2_grpc.IngestServiceStub]:
    async with grpc.aio.insecure_channel(ingest_app.address) as channel:
        yield ingest_pb2_grpc.IngestServiceStub(channel)


@pytest.fixture
def ledger_settings(tmp_path: Path) -> LedgerSettings:
    return LedgerSettings(
        backend="embedded", database_url=f"sqlite:///{tmp_path / 'ledger.db'}", port=0,
        data_dir=tmp_path / "ledger", outbox_retry_seconds=0.2,
    )  # fmt: skip


@pytest.fixture
async def ledger_app(ledger_settings: LedgerSettings) -> AsyncIterator[LedgerApp]:
    app = await start_ledger(ledger_settings)
    yield app
    await app.stop()


@pytest.fixture
async def ledger(ledger_app: LedgerApp) -> AsyncIterator[ledger_pb2_grpc.LedgerServiceStub]:
    async with grpc.aio.insecure_channel(ledger_app.address) as channel:
        yield ledger_pb2_grpc.LedgerServiceStub(channel)


@pytest.fixture
def risk_with(tmp_path: Path, trained_models: Path) -> Callable[..., RiskSettings]:
    """Settings for a risk server with the trained model and the given overrides (addresses...)."""
    install_model(trained_models, tmp_path)

    def make(**overrides: object) -> RiskSettings:
        return risk_settings_for(tmp_path, **overrides)

    return make
