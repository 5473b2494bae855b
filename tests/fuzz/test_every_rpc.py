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
from payrisk.push.v1 import push_pb2
from payrisk.risk.v1 import risk_pb2
from proto_strategies import messages

pytestmark = pytest.mark.slow

SERVICES = {
    "ingest": ingest_pb2.DESCRIPTOR.services_by_name["IngestService"],
    "risk": risk_pb2.DESCRIPTOR.services_by_name["RiskService"],
    "push": push_pb2.DESCRIPTOR.services_by_name["PushService"],
    "ledger": ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"],
}
FAULTS = (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)
# Long enough for every cheap RPC; a valid request for hours of work (a knowledge-base build) goes on without
# the caller, and the check that the service still serves follows each RPC's cases.
CALL_SECONDS = 3
# RPCs whose valid requests start minutes of work get fewer cases, so the suite stays quick.
EXAMPLES, HEAVY_EXAMPLES = 60, 15
HEAVY = {"BuildScenarioKnowledgeBase", "TrainModel"}
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
                        iter([payload]), timeout=CALL_SECONDS
                    )
                )
            elif method.server_streaming:
                stream = channel.unary_stream(path, lambda b: b, response_class.FromString)(
                    payload, timeout=CALL_SECONDS
                )
                # A valid notification stream stays open for new notices: its first answer is enough.
                next(iter(stream), None)
                stream.cancel()
            else:
                channel.unary_unary(path, lambda b: b, response_class.FromString)(
                    payload, timeout=CALL_SECONDS
                )
        except grpc.RpcError as error:
            return error.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def still_serving(address: str) -> bool:
    with grpc.insecure_channel(address) as channel:
        response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return bool(response.status == health_pb2.HealthCheckResponse.SERVING)


@pytest.mark.parametrize(("service", "method"), methods(), ids=lambda v: getattr(v, "name", v))
def test_random_requests_never_crash_a_service(addresses, service, method):
    examples = HEAVY_EXAMPLES if method.name in HEAVY else EXAMPLES

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
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
