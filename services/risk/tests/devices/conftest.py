"""A real ingest and ledger on loopback ports for the device GraphApi tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2_grpc
from payrisk_ingest.app import IngestApp
from payrisk_ingest.app import start as start_ingest
from payrisk_ingest.settings import IngestSettings
from payrisk_ledger.app import LedgerApp
from payrisk_ledger.app import start as start_ledger
from payrisk_ledger.settings import LedgerSettings


def ledger_settings(directory: Path) -> LedgerSettings:
    return LedgerSettings(
        backend="embedded",
        database_url=f"sqlite:///{directory / 'ledger.db'}",
        port=0,
        data_dir=directory / "ledger",
        outbox_retry_seconds=0.2,
    )


@pytest.fixture
async def device_ingest_app(tmp_path: Path) -> AsyncIterator[IngestApp]:
    app = await start_ingest(
        IngestSettings(
            database_url=f"sqlite:///{tmp_path / 'ingest.db'}", port=0, data_dir=tmp_path / "ingest"
        )
    )
    yield app
    await app.stop()


@pytest.fixture
async def device_ingest(device_ingest_app: IngestApp) -> AsyncIterator[ingest_pb2_grpc.IngestServiceStub]:
    async with grpc.aio.insecure_channel(device_ingest_app.address) as channel:
        yield ingest_pb2_grpc.IngestServiceStub(channel)


@pytest.fixture
async def device_ledger_app(tmp_path: Path) -> AsyncIterator[LedgerApp]:
    app = await start_ledger(ledger_settings(tmp_path))
    yield app
    await app.stop()


@pytest.fixture
async def device_ledger(device_ledger_app: LedgerApp) -> AsyncIterator[ledger_pb2_grpc.LedgerServiceStub]:
    async with grpc.aio.insecure_channel(device_ledger_app.address) as channel:
        yield ledger_pb2_grpc.LedgerServiceStub(channel)


@pytest.fixture
async def stopped_ledger_address(tmp_path: Path) -> str:
    """Where a ledger was listening a moment ago: nothing answers there now."""
    app = await start_ledger(ledger_settings(tmp_path / "stopped"))
    address = app.address
    await app.stop()
    return address
