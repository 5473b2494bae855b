"""A real ingest server on a loopback port, backed by SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from ingest_risk import RiskThatDeclinesLargeAmounts
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.risk.v1 import risk_pb2_grpc
from payrisk_ingest.app import IngestApp, start
from payrisk_ingest.settings import IngestSettings


@pytest.fixture
def ingest_settings(database_url: str, tmp_path: Path) -> IngestSettings:
    return IngestSettings(database_url=database_url, port=0, data_dir=tmp_path, max_batch_size=2000)


@pytest.fixture
async def ingest_app(ingest_settings: IngestSettings) -> AsyncIterator[IngestApp]:
    app = await start(ingest_settings)
    yield app
    await app.stop()


@pytest.fixture
def ingest_address(ingest_app: IngestApp) -> str:
    return ingest_app.address


@pytest.fixture
async def ingest(ingest_address: str) -> AsyncIterator[ingest_pb2_grpc.IngestServiceStub]:
    async with grpc.aio.insecure_channel(ingest_address) as channel:
        yield ingest_pb2_grpc.IngestServiceStub(channel)


@pytest.fixture
async def risk():
    """A rule-based risk server on a loopback port: (servicer, address, server)."""
    servicer = RiskThatDeclinesLargeAmounts()
    server = grpc.aio.server()
    risk_pb2_grpc.add_RiskServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield servicer, f"127.0.0.1:{port}", server
    await server.stop(0)
