"""Every RPC is counted and timed by method and status."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from payrisk_runtime import GrpcServer
from prometheus_client import REGISTRY


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def server():
    server = GrpcServer([], port=0)
    await server.start()
    yield server
    await server.stop(0)


async def test_calls_are_counted_by_method_and_code_and_health_checks_are_not(server):
    labels = {"service": "grpc.reflection.v1alpha.ServerReflection", "method": "ServerReflectionInfo"}
    before = sample("payrisk_rpc_requests_total", code="OK", **labels)
    async with grpc.aio.insecure_channel(server.address) as channel:
        await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        _ = [
            r
            async for r in stub.ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")])
            )
        ]
    assert sample("payrisk_rpc_requests_total", code="OK", **labels) == before + 1
    assert sample("payrisk_rpc_duration_seconds_count", **labels) >= 1
    assert (
        sample("payrisk_rpc_requests_total", service="grpc.health.v1.Health", method="Check", code="OK") == 0
    )
