"""What every payrisk server offers: health, reflection, and clear errors for bytes that are not a message."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from payrisk.ingest.v1 import ingest_pb2
from payrisk_runtime import field_violations


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path / 'store.db'}"


async def test_health_reports_serving_for_the_server_and_the_service(ingest_address):
    async with grpc.aio.insecure_channel(ingest_address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "payrisk.ingest.v1.IngestService"):
            response = await health.Check(health_pb2.HealthCheckRequest(service=service))
            assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_service(ingest_address):
    async with grpc.aio.insecure_channel(ingest_address) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        responses = stub.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")])
        )
        names = [s.name async for r in responses for s in r.list_services_response.service]
    assert "payrisk.ingest.v1.IngestService" in names
    assert "grpc.health.v1.Health" in names


@pytest.mark.parametrize(
    "method",
    [
        "/payrisk.ingest.v1.IngestService/RegisterMerchants",
        "/payrisk.ingest.v1.IngestService/SyncOfflineBills",
    ],
)
async def test_malformed_bytes_get_invalid_argument_and_the_server_keeps_serving(ingest_address, method):
    async with grpc.aio.insecure_channel(ingest_address) as channel:
        raw = channel.unary_unary(method, request_serializer=lambda b: b, response_deserializer=lambda b: b)
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await raw(b"\x0a\xff\xff\xff\xff\x0f")
        assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert [v.field for v in field_violations(failure.value)] == ["request"]
        listed = channel.unary_unary(
            "/payrisk.ingest.v1.IngestService/ListTransactions",
            request_serializer=ingest_pb2.ListTransactionsRequest.SerializeToString,
            response_deserializer=ingest_pb2.ListTransactionsResponse.FromString,
        )
        assert len((await listed(ingest_pb2.ListTransactionsRequest())).records) == 0


async def test_malformed_bytes_in_a_stream_fail_it_cleanly(ingest_address):
    async with grpc.aio.insecure_channel(ingest_address) as channel:
        raw = channel.stream_stream(
            "/payrisk.ingest.v1.IngestService/IngestTransactions",
            request_serializer=lambda b: b,
            response_deserializer=ingest_pb2.IngestTransactionsResponse.FromString,
        )
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            _ = [r async for r in raw(iter([b"\x12\x03\xff\xff\xff"]))]
        assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
