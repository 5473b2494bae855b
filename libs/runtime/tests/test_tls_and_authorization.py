"""Mutual TLS: a client without a certificate from our CA is refused; callers are authorised by role."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk_runtime import AuthorizationInterceptor, GrpcServer, Registration, open_channel
from payrisk_runtime.certs import CertificateAuthority

LEDGER = "/payrisk.ledger.v1.LedgerService/"


@pytest.fixture
def ca(tmp_path):
    return CertificateAuthority.open(tmp_path / "certs")


@pytest.fixture
async def server(ca):
    # The servicer's methods are unimplemented: an allowed caller gets UNIMPLEMENTED, a refused one never gets there.
    ledger = Registration(
        "payrisk.ledger.v1.LedgerService",
        lambda s: ledger_pb2_grpc.add_LedgerServiceServicer_to_server(
            ledger_pb2_grpc.LedgerServiceServicer(), s
        ),
    )
    authorization = AuthorizationInterceptor({LEDGER: frozenset({"operator"})})
    server = GrpcServer([ledger], port=0, tls=ca.issue("service:test"), extra_interceptors=[authorization])
    await server.start()
    yield server
    await server.stop(0)


async def ledger_info_code(channel) -> grpc.StatusCode:
    try:
        await ledger_pb2_grpc.LedgerServiceStub(channel).GetLedgerInfo(ledger_pb2.GetLedgerInfoRequest())
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_a_client_with_a_certificate_from_the_ca_is_served(server, ca):
    async with open_channel(server.address, ca.issue("operator:alice")) as channel:
        assert await ledger_info_code(channel) == grpc.StatusCode.UNIMPLEMENTED


async def test_a_caller_whose_role_is_not_allowed_is_refused_but_may_check_health(server, ca):
    async with open_channel(server.address, ca.issue("terminal:d-1")) as channel:
        assert await ledger_info_code(channel) == grpc.StatusCode.PERMISSION_DENIED
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        assert health.status == health_pb2.HealthCheckResponse.SERVING


async def test_a_client_without_a_certificate_or_from_another_ca_cannot_connect(server, ca, tmp_path):
    with_no_cert = grpc.aio.secure_channel(
        server.address, grpc.ssl_channel_credentials(ca.ca_file.read_bytes())
    )
    stranger = CertificateAuthority.open(tmp_path / "elsewhere").issue("operator:mallory")
    for channel in (with_no_cert, open_channel(server.address, stranger)):
        async with channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_plaintext_clients_cannot_talk_to_a_tls_server(server):
    async with grpc.aio.insecure_channel(server.address) as channel:
        with pytest.raises(grpc.aio.AioRpcError):
            await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
