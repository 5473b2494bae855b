"""The whole system as separate processes on loopback ports, with their traces collected."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from otlp_receiver import OtlpReceiver
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2_grpc
from payrisk.push.v1 import push_pb2_grpc
from payrisk_runtime.local import LocalStack, ServiceSpec

pytestmark = pytest.mark.e2e

# In dependency order: a service is started after those it calls.
SERVICES = [
    ServiceSpec("ledger", "payrisk_ledger", 0),
    ServiceSpec("ingest", "payrisk_ingest", 0),
    ServiceSpec("push", "payrisk_push", 0),
]


@pytest.fixture(scope="session")
def otlp() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory, otlp: OtlpReceiver) -> Iterator[dict[str, str]]:
    """Starts every service; yields their addresses by name."""
    state = tmp_path_factory.mktemp("system")
    stack = LocalStack(
        state,
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint,
            "OTEL_EXPORTER_OTLP_INSECURE": "true",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        },
    )
    try:
        for spec in SERVICES:
            if importlib.util.find_spec(spec.module) is None:
                continue
            env = (
                {"PAYRISK_PUSH_INGEST_ADDRESS": stack.endpoints().get("ingest", "")}
                if spec.name == "push"
                else {}
            )
            stack.wait_serving(stack.start(spec, env))
        yield stack.endpoints()
    finally:
        stack.stop_all()


@pytest.fixture(scope="session")
def ingest(system: dict[str, str]) -> Iterator[ingest_pb2_grpc.IngestServiceStub]:
    with grpc.insecure_channel(system["ingest"]) as channel:
        yield ingest_pb2_grpc.IngestServiceStub(channel)


@pytest.fixture(scope="session")
def ledger(system: dict[str, str]) -> Iterator[ledger_pb2_grpc.LedgerServiceStub]:
    with grpc.insecure_channel(system["ledger"]) as channel:
        yield ledger_pb2_grpc.LedgerServiceStub(channel)


@pytest.fixture(scope="session")
def push(system: dict[str, str]) -> Iterator[push_pb2_grpc.PushServiceStub]:
    with grpc.insecure_channel(system["push"]) as channel:
        yield push_pb2_grpc.PushServiceStub(channel)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]
