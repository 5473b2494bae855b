"""Every service speaks mutual TLS only: no certificate, a certificate from another CA, or plaintext, and the
caller never gets as far as a method; a certificate from payrisk's CA gets it in."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from payrisk_runtime import open_channel
from payrisk_runtime.certs import CertificateAuthority

SERVICES = ["ingest", "risk", "push", "ledger"]


async def health_code(channel: grpc.aio.Channel) -> grpc.StatusCode:
    try:
        await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


@pytest.mark.parametrize("service", SERVICES)
async def test_a_client_without_a_certificate_is_refused(system, ca, service):
    credentials = grpc.ssl_channel_credentials(root_certificates=ca.ca_file.read_bytes())
    async with grpc.aio.secure_channel(system.addresses[service], credentials) as channel:
        assert await health_code(channel) == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("service", SERVICES)
async def test_a_certificate_from_another_ca_is_refused(system, tmp_path, service):
    # Same name as a real operator, same key type: only the signature differs, and that is enough.
    stranger = CertificateAuthority.open(tmp_path / "elsewhere").issue("operator:alice")
    async with open_channel(system.addresses[service], stranger) as channel:
        assert await health_code(channel) == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("service", SERVICES)
async def test_plaintext_cannot_talk_to_a_tls_server(system, service):
    async with grpc.aio.insecure_channel(system.addresses[service]) as channel:
        assert await health_code(channel) == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("service", SERVICES)
async def test_a_certificate_from_payrisks_ca_is_let_in(system, certificate, service):
    async with open_channel(system.addresses[service], certificate("terminal:d-anyone")) as channel:
        # Health is open to every authenticated caller, whatever its role.
        assert await health_code(channel) == grpc.StatusCode.OK
