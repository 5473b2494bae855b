"""Every RPC of every service, fed random messages built from the contracts and random bytes.

A bad request may be refused (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION) or, when it happens
to be valid, served; it must never be answered with INTERNAL or UNKNOWN, and the server must keep serving.
"""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from proto_strategies import messages

pytestmark = pytest.mark.slow

SERVICES = {"ingest": ingest_pb2.DESCRIPTOR.services_by_name["IngestService"],
            "ledger": ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"]}  # fmt: skip
FAULTS = (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)
CASES = {"messages": 0, "bytes": 0}


def methods() -> list[tuple[str, object]]:
    return [(name, m) for name, service in SERVICES.items() for m in service.methods]


def call(address: str, method, payload: bytes) -> grpc.StatusCode:
    path = f"/{method.containing_service.full_name}/{method.name}"
    response_class = message_factory.GetMessageClass(method.output_type)
    with grpc.insecure_channel(address) as channel:
        try:
            if method.client_streaming and method.server_streaming:
                list(
                    channel.stream_stream(path, lambda b: b, response_class.FromString)(
                        iter([payload]), timeout=10
                    )
                )
            elif method.server_streaming:
                list(channel.unary_stream(path, lambda b: b, response_class.FromString)(payload, timeout=10))
            else:
                channel.unary_unary(path, lambda b: b, response_class.FromString)(payload, timeout=10)
        except grpc.RpcError as error:
            return error.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def still_serving(address: str) -> bool:
    with grpc.insecure_channel(address) as channel:
        response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return bool(response.status == health_pb2.HealthCheckResponse.SERVING)


@pytest.mark.parametrize(("service", "method"), methods(), ids=lambda v: getattr(v, "name", v))
def test_random_requests_never_crash_a_service(addresses, service, method):
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(request=messages(method.input_type), noise=st.binary(max_size=200))
    def fuzz(request, noise):
        for payload, kind in ((request.SerializeToString(), "messages"), (noise, "bytes")):
            code = call(addresses[service], method, payload)
            CASES[kind] += 1
            assert code not in FAULTS, f"{method.full_name} answered {code.name}"

    fuzz()
    assert still_serving(addresses[service])


def test_report_cases_tried():
    print(
        f"\nfuzz cases tried: {CASES['messages']} messages from the contracts, {CASES['bytes']} random byte strings"
    )
