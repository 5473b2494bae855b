"""The four services in this process, each serving and calling over mutual TLS with its own certificate from a
test CA, and clients holding whatever identity a test needs (`operator:alice`, `terminal:d-1`, `analyst:bob`).

The system is started once per session: ledger (embedded), ingest (scoring through risk, anchoring on the
ledger), push (checking terminals with ingest) and risk (with a small trained model, calling all three).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2_grpc
from payrisk.push.v1 import push_pb2_grpc
from payrisk.risk.v1 import risk_pb2_grpc
from payrisk_ingest.app import start as start_ingest
from payrisk_ingest.settings import IngestSettings
from payrisk_ledger.app import start as start_ledger
from payrisk_ledger.settings import LedgerSettings
from payrisk_push.app import start as start_push
from payrisk_push.settings import PushSettings
from payrisk_risk.app import start as start_risk
from payrisk_runtime import TlsFiles, open_channel
from payrisk_runtime.certs import CertificateAuthority
from payrisk_runtime.local import free_port
from risk_factories import install_model, risk_settings_for, train_small_model

STUBS: dict[str, Callable[[grpc.aio.Channel], Any]] = {
    "ingest": ingest_pb2_grpc.IngestServiceStub,
    "risk": risk_pb2_grpc.RiskServiceStub,
    "push": push_pb2_grpc.PushServiceStub,
    "ledger": ledger_pb2_grpc.LedgerServiceStub,
}


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CertificateAuthority:
    return CertificateAuthority.open(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="session")
def certificate(ca: CertificateAuthority) -> Callable[[str], TlsFiles]:
    """The certificate and key of an identity (`role:name`), issued on first use."""
    issued: dict[str, TlsFiles] = {}

    def get(identity: str) -> TlsFiles:
        if identity not in issued:
            issued[identity] = ca.issue(identity)
        return issued[identity]

    return get


def tls_of(files: TlsFiles) -> dict[str, Path]:
    return {"tls_cert_file": files.cert, "tls_key_file": files.key, "tls_ca_file": files.ca}


@dataclass
class System:
    """The running services' addresses, and stubs for callers holding a given identity."""

    addresses: dict[str, str]
    certificate: Callable[[str], TlsFiles]
    apps: dict[str, Any] = field(default_factory=dict)
    _channels: dict[tuple[str, str], grpc.aio.Channel] = field(default_factory=dict)

    def stub(self, service: str, identity: str) -> Any:
        """A stub of `service` for a caller with `identity`'s certificate (one channel per pair, reused)."""
        key = (service, identity)
        if key not in self._channels:
            self._channels[key] = open_channel(self.addresses[service], self.certificate(identity))
        return STUBS[service](self._channels[key])

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close(None)
        self._channels.clear()


@pytest.fixture(scope="session")
async def trained_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("trained")
    await train_small_model(root)
    return root


@pytest.fixture(scope="session")
async def system(
    tmp_path_factory: pytest.TempPathFactory,
    certificate: Callable[[str], TlsFiles],
    trained_models: Path,
) -> AsyncIterator[System]:
    root = tmp_path_factory.mktemp("system")
    # Risk's port is chosen first: ingest scores through it and risk calls ingest back.
    risk_port = free_port()
    ledger = await start_ledger(
        LedgerSettings(
            backend="embedded", database_url=f"sqlite:///{root / 'ledger.db'}", port=0,
            data_dir=root / "ledger", outbox_retry_seconds=0.2, **tls_of(certificate("service:ledger")),
        )
    )  # fmt: skip
    ingest = await start_ingest(
        IngestSettings(
            database_url=f"sqlite:///{root / 'ingest.db'}", port=0, data_dir=root / "ingest",
            risk_address=f"127.0.0.1:{risk_port}", ledger_address=ledger.address,
            rescore_interval_seconds=0.5, anchor_interval_seconds=0.2,
            **tls_of(certificate("service:ingest")),
        )
    )  # fmt: skip
    push = await start_push(
        PushSettings(
            database_url=f"sqlite:///{root / 'push.db'}", port=0, data_dir=root / "push",
            ingest_address=ingest.address, mining_interval_seconds=3600, topics=8,
            redelivery_seconds=1.0, **tls_of(certificate("service:push")),
        )
    )  # fmt: skip
    risk_dir = root / "risk"
    install_model(trained_models, risk_dir)
    risk = await start_risk(
        risk_settings_for(
            risk_dir, port=risk_port, ingest_address=ingest.address, ledger_address=ledger.address,
            push_address=push.address, **tls_of(certificate("service:risk")),
        )
    )  # fmt: skip
    running = System(
        {"ledger": ledger.address, "ingest": ingest.address, "push": push.address, "risk": risk.address},
        certificate,
        {"ledger": ledger, "ingest": ingest, "push": push, "risk": risk},
    )
    yield running
    await running.close()
    for app in (risk, push, ingest, ledger):
        await app.stop()
