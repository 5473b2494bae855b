"""A real push server (and ingest behind it) on loopback ports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from payrisk.push.v1 import push_pb2_grpc
from payrisk_ingest.app import start as start_ingest
from payrisk_ingest.settings import IngestSettings
from payrisk_push.app import PushApp, start
from payrisk_push.settings import PushSettings


@pytest.fixture
async def ingest_address(tmp_path: Path) -> AsyncIterator[str]:
    app = await start_ingest(
        IngestSettings(database_url=f"sqlite:///{tmp_path / 'ingest.db'}", port=0, data_dir=tmp_path)
    )
    yield app.address
    await app.stop()


@pytest.fixture
def push_settings(database_url: str, tmp_path: Path, ingest_address: str) -> PushSettings:
    return PushSettings(
        database_url=database_url, port=0, data_dir=tmp_path, ingest_address=ingest_address,
        mining_interval_seconds=3600, topics=8,
    )  # fmt: skip


@pytest.fixture
async def push_app(push_settings: PushSettings) -> AsyncIterator[PushApp]:
    app = await start(push_settings)
    yield app
    await app.stop()


@pytest.fixture
async def push(push_app: PushApp) -> AsyncIterator[push_pb2_grpc.PushServiceStub]:
    async with grpc.aio.insecure_channel(push_app.address) as channel:
        yield push_pb2_grpc.PushServiceStub(channel)
