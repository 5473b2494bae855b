"""A real ledger service on a loopback port; the backend under test is a fixture parameter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from payrisk.ledger.v1 import ledger_pb2_grpc
from payrisk_ledger.app import LedgerApp, start
from payrisk_ledger.settings import LedgerSettings


@pytest.fixture
def ledger_settings(tmp_path: Path) -> LedgerSettings:
    return LedgerSettings(
        backend="embedded", database_url=f"sqlite:///{tmp_path / 'ledger.db'}", port=0, data_dir=tmp_path,
        outbox_retry_seconds=0.2,
    )  # fmt: skip


@pytest.fixture
async def ledger_app(ledger_settings: LedgerSettings) -> AsyncIterator[LedgerApp]:
    app = await start(ledger_settings)
    yield app
    await app.stop()


@pytest.fixture
async def ledger(ledger_app: LedgerApp) -> AsyncIterator[ledger_pb2_grpc.LedgerServiceStub]:
    async with grpc.aio.insecure_channel(ledger_app.address) as channel:
        yield ledger_pb2_grpc.LedgerServiceStub(channel)
