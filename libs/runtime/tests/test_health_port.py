"""The plaintext health port: probes that cannot present a client certificate (Kubernetes' native gRPC
probes) can ask whether a mutual-TLS server is serving, and can do nothing else there."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk_runtime import GrpcServer, Registration, open_channel
from payrisk_runtime.certs import CertificateAuthority

LEDGER = "payrisk.ledger.v1.LedgerService"
SERVING = health_pb2.HealthCheckResponse.SERVING


class AnsweringLedger(ledger_pb2_grpc.LedgerServiceServicer):
    """Answers GetLedgerInfo, so that an UNIMPLEMENTED can only come from where the call was sent."""

    async def GetLedgerInfo(self, request, context):
        return ledger_pb2.GetLedgerInfoResponse(backend="embedded")


@pytest.fixture
def ca(tmp_path: Path) -> CertificateAuthority:
    return CertificateAuthority.open(tmp_path / "certs")


@pytest.fixture
async def server(ca: CertificateAuthority) -> AsyncIterator[tuple[GrpcServer, str]]:
    ledger = Registration(
        LEDGER, lambda s: ledger_pb2_grpc.add_LedgerServiceServicer_to_server(AnsweringLedger(), s)
    )
    server = GrpcServer(
        [ledger],
        port=0,
        tls=ca.issue("service:ledger"),
        access={f"/{LEDGER}/GetLedgerInfo": frozenset({"operator"})},
    )
    await server.start()
    health_address = await server.serve_health_on(0)
    yield server, health_address
    await server.stop(0)


async def check(channel: grpc.aio.Channel, service: str = "") -> int:
    response = await health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service=service), timeout=5
    )
    return int(response.status)


async def test_the_health_port_answers_health_checks_in_plaintext(server):
    _, health_address = server
    async with grpc.aio.insecure_channel(health_address) as channel:
        assert await check(channel) == SERVING
        assert await check(channel, LEDGER) == SERVING


async def test_the_health_port_serves_nothing_but_health(server):
    _, health_address = server
    async with grpc.aio.insecure_channel(health_address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await ledger_pb2_grpc.LedgerServiceStub(channel).GetLedgerInfo(
                ledger_pb2.GetLedgerInfoRequest(), timeout=5
            )
        assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
        )
        with pytest.raises(grpc.aio.AioRpcError) as no_reflection:
            _ = [r async for r in reflection]
        assert no_reflection.value.code() == grpc.StatusCode.UNIMPLEMENTED


async def test_the_main_port_still_requires_a_client_certificate(server, ca):
    grpc_server, _ = server
    without_certificate = grpc.aio.secure_channel(
        grpc_server.address, grpc.ssl_channel_credentials(ca.ca_file.read_bytes())
    )
    for channel in (grpc.aio.insecure_channel(grpc_server.address), without_certificate):
        async with channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await check(channel)
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    async with open_channel(grpc_server.address, ca.issue("operator:alice")) as channel:
        info = await ledger_pb2_grpc.LedgerServiceStub(channel).GetLedgerInfo(
            ledger_pb2.GetLedgerInfoRequest(), timeout=5
        )
        assert info.backend == "embedded"


async def test_the_health_port_closes_when_the_server_stops(ca):
    server = GrpcServer([], port=0, tls=ca.issue("service:ledger"))
    await server.start()
    health_address = await server.serve_health_on(0)
    await server.stop(0)
    async with grpc.aio.insecure_channel(health_address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as gone:
            await check(channel)
        assert gone.value.code() == grpc.StatusCode.UNAVAILABLE


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def ledger_process(tmp_path: Path, ca: CertificateAuthority) -> Iterator[tuple[int, int]]:
    """`python -m payrisk_ledger` over mutual TLS with PAYRISK_LEDGER_HEALTH_PORT set, as a pod runs it."""
    port, health_port = free_port(), free_port()
    files = ca.issue("service:ledger")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PAYRISK_", "OTEL_"))},
        "PAYRISK_LEDGER_PORT": str(port),
        "PAYRISK_LEDGER_HEALTH_PORT": str(health_port),
        "PAYRISK_LEDGER_DATA_DIR": str(tmp_path / "data"),
        "PAYRISK_LEDGER_TLS_CERT_FILE": str(files.cert),
        "PAYRISK_LEDGER_TLS_KEY_FILE": str(files.key),
        "PAYRISK_LEDGER_TLS_CA_FILE": str(files.ca),
    }
    log = (tmp_path / "ledger.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "payrisk_ledger"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield port, health_port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.mark.slow
async def test_a_service_started_with_a_health_port_setting_serves_it(ledger_process, ca, tmp_path):
    port, health_port = ledger_process
    async with grpc.aio.insecure_channel(f"127.0.0.1:{health_port}") as channel:
        for _ in range(300):
            try:
                if await check(channel, LEDGER) == SERVING:
                    break
            except grpc.aio.AioRpcError:
                pass
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the ledger's health port never answered:\n" + (tmp_path / "ledger.log").read_text())
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as plaintext:
        with pytest.raises(grpc.aio.AioRpcError):
            await check(plaintext)
    async with open_channel(f"127.0.0.1:{port}", ca.issue("operator:alice")) as channel:
        info = await ledger_pb2_grpc.LedgerServiceStub(channel).GetLedgerInfo(
            ledger_pb2.GetLedgerInfoRequest(), timeout=5
        )
        assert info.backend == "embedded"
