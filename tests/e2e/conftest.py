"""The whole system as separate processes on loopback ports, with their traces collected.

Every test here runs twice: with each service on its own SQLite file, and with each on its own PostgreSQL
database. The ledger is the native Fabric network when its commands can be had on this machine (the
`fabric_network` fixture says which); otherwise the embedded backend, and Fabric-only checks skip.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from otlp_receiver import OtlpReceiver
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2_grpc
from payrisk.push.v1 import push_pb2_grpc
from payrisk.risk.v1 import risk_pb2, risk_pb2_grpc
from payrisk_runtime.local import SYSTEM, FabricNetwork, LocalStack, free_port, start_fabric

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
# Long enough for risk to train its first model on generated data.
MODEL_TIMEOUT_SECONDS = 180


@dataclass(frozen=True)
class System:
    addresses: dict[str, str]
    store: str
    fabric: FabricNetwork
    # Prefix for ids, unique to this run: the Fabric ledger keeps its data between runs.
    run: str
    # Each service's Prometheus endpoint, http://127.0.0.1:<port>/metrics.
    metrics: dict[str, str]


@pytest.fixture(scope="session")
def otlp() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def fabric_network() -> FabricNetwork:
    try:
        return start_fabric(REPO_ROOT)
    except RuntimeError as error:
        pytest.fail(str(error))


def _databases(store: str, request: pytest.FixtureRequest, state: Path) -> dict[str, dict[str, str]]:
    if store == "sqlite":
        return {}
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    admin_url = request.getfixturevalue("postgres_admin_url")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    urls = {}
    with admin.connect() as conn:
        for spec in SYSTEM:
            name = f"e2e_{spec.name}_{uuid.uuid4().hex[:8]}"
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            urls[spec.name] = {
                f"{spec.env_prefix}DATABASE_URL": make_url(admin_url)
                .set(database=name)
                .render_as_string(hide_password=False)
            }
    admin.dispose()
    return urls


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], ids=str
)
def system(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    otlp: OtlpReceiver,
    fabric_network: FabricNetwork,
) -> Iterator[System]:
    """Starts every service; yields their addresses once risk serves with a model."""
    store = str(request.param)
    state = tmp_path_factory.mktemp(f"system-{store}")
    stack = LocalStack(
        state,
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint,
            "OTEL_EXPORTER_OTLP_INSECURE": "true",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        },
    )
    env: dict[str, dict[str, str]] = {
        "ledger": fabric_network.ledger_env(),
        "ingest": {
            "PAYRISK_INGEST_ANCHOR_INTERVAL_SECONDS": "0.2",
            "PAYRISK_INGEST_RESCORE_INTERVAL_SECONDS": "1",
        },
        "risk": {
            "PAYRISK_RISK_BOOTSTRAP_TRANSACTIONS": "20000",
            "PAYRISK_RISK_RETRY_INTERVAL_SECONDS": "0.5",
        },
        "push": {"PAYRISK_PUSH_REDELIVERY_SECONDS": "1"},
    }
    for name, database in _databases(store, request, state).items():
        env[name].update(database)
    metrics = {}
    for spec in SYSTEM:
        port = free_port()
        env[spec.name][f"{spec.env_prefix}METRICS_PORT"] = str(port)
        metrics[spec.name] = f"http://127.0.0.1:{port}/metrics"
    try:
        # Free ports, so that a system started by `make up` can run beside the tests.
        addresses = stack.start_system(tuple(dataclasses.replace(s, port=0) for s in SYSTEM), env)
        _wait_for_a_model(addresses["risk"])
        yield System(addresses, store, fabric_network, f"e2e{store[:2]}{uuid.uuid4().hex[:8]}", metrics)
    finally:
        stack.stop_all()


def _wait_for_a_model(address: str) -> None:
    deadline = time.monotonic() + MODEL_TIMEOUT_SECONDS
    with grpc.insecure_channel(address) as channel:
        stub = risk_pb2_grpc.RiskServiceStub(channel)
        while time.monotonic() < deadline:
            if any(m.active for m in stub.ListModels(risk_pb2.ListModelsRequest()).models):
                return
            time.sleep(0.5)
    raise TimeoutError("risk trained no model in time")


@pytest.fixture(scope="session")
def ingest(system: System) -> Iterator[ingest_pb2_grpc.IngestServiceStub]:
    with grpc.insecure_channel(system.addresses["ingest"]) as channel:
        yield ingest_pb2_grpc.IngestServiceStub(channel)


@pytest.fixture(scope="session")
def ledger(system: System) -> Iterator[ledger_pb2_grpc.LedgerServiceStub]:
    with grpc.insecure_channel(system.addresses["ledger"]) as channel:
        yield ledger_pb2_grpc.LedgerServiceStub(channel)


@pytest.fixture(scope="session")
def push(system: System) -> Iterator[push_pb2_grpc.PushServiceStub]:
    with grpc.insecure_channel(system.addresses["push"]) as channel:
        yield push_pb2_grpc.PushServiceStub(channel)


@pytest.fixture(scope="session")
def risk(system: System) -> Iterator[risk_pb2_grpc.RiskServiceStub]:
    with grpc.insecure_channel(system.addresses["risk"]) as channel:
        yield risk_pb2_grpc.RiskServiceStub(channel)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
