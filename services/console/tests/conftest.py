"""The four services started in-process on loopback ports (risk with a small trained model), a small world
loaded through their APIs, and the console in front of them on a real HTTP socket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import httpx
import pytest
from console_client import ANALYST, OPERATOR, console_settings, free_port, running_console, sign_in
from console_data import World, load
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2_grpc
from payrisk.push.v1 import push_pb2_grpc
from payrisk.risk.v1 import risk_pb2_grpc
from payrisk_ingest.app import start as start_ingest
from payrisk_ingest.settings import IngestSettings
from payrisk_ledger.app import start as start_ledger
from payrisk_ledger.settings import LedgerSettings
from payrisk_risk.app import start as start_risk
from risk_factories import install_model, risk_settings_for, train_small_model
from risk_push import push_server


@dataclass
class System:
    addresses: dict[str, str]
    ingest: ingest_pb2_grpc.IngestServiceStub
    risk: risk_pb2_grpc.RiskServiceStub
    ledger: ledger_pb2_grpc.LedgerServiceStub
    push: push_pb2_grpc.PushServiceStub
    notices: object
    world: World


@pytest.fixture(scope="session")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    root = tmp_path_factory.mktemp("console-system")
    trained = root / "trained"
    await train_small_model(trained)
    install_model(trained, root / "risk")
    ledger = await start_ledger(
        LedgerSettings(
            backend="embedded", database_url=f"sqlite:///{root / 'ledger.db'}", port=0,
            data_dir=root / "ledger", outbox_retry_seconds=0.2,
        )
    )  # fmt: skip
    stops = [ledger.stop]
    try:
        async with push_server(root / "push") as push:
            ingest_address = f"127.0.0.1:{free_port()}"
            risk = await start_risk(
                risk_settings_for(
                    root / "risk", ingest_address=ingest_address, ledger_address=ledger.address,
                    push_address=push.address,
                )
            )  # fmt: skip
            stops.append(risk.stop)
            ingest = await start_ingest(
                IngestSettings(
                    database_url=f"sqlite:///{root / 'ingest.db'}", port=int(ingest_address.rsplit(":", 1)[1]),
                    data_dir=root / "ingest", risk_address=risk.address, ledger_address=ledger.address,
                    scoring_deadline_seconds=10.0, anchor_interval_seconds=0.1, anchor_batch_size=100,
                )
            )  # fmt: skip
            stops.append(ingest.stop)
            addresses = {
                "ingest": ingest.address,
                "risk": risk.address,
                "ledger": ledger.address,
                "push": push.address,
            }
            channels = {name: grpc.aio.insecure_channel(address) for name, address in addresses.items()}
            stubs = {
                "ingest": ingest_pb2_grpc.IngestServiceStub(channels["ingest"]),
                "risk": risk_pb2_grpc.RiskServiceStub(channels["risk"]),
                "ledger": ledger_pb2_grpc.LedgerServiceStub(channels["ledger"]),
                "push": push_pb2_grpc.PushServiceStub(channels["push"]),
            }
            world = await load(stubs["ingest"], stubs["risk"])
            yield System(addresses, **stubs, notices=push.notices, world=world)
            for channel in channels.values():
                await channel.close()
            for stop in reversed(stops[1:]):
                await stop()
    finally:
        await ledger.stop()


@pytest.fixture(scope="session")
async def console_url(system: System, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    settings = console_settings(tmp_path_factory.mktemp("console"), system.addresses)
    async with running_console(settings) as url:
        yield url


@pytest.fixture
async def anonymous(console_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=console_url, timeout=30) as client:
        yield client


@pytest.fixture
async def analyst(console_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=console_url, timeout=30) as client:
        assert (await sign_in(client, ANALYST)).status_code == 303
        yield client


@pytest.fixture
async def operator(console_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=console_url, timeout=30) as client:
        assert (await sign_in(client, OPERATOR)).status_code == 303
        yield client
