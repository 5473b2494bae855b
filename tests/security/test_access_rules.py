"""Who may call what, as the running services enforce it: every RPC of every service, called by every kind of
caller, is refused with PERMISSION_DENIED exactly when the service's access rules do not name that caller.

The requests are empty, so an allowed call usually ends INVALID_ARGUMENT, NOT_FOUND or FAILED_PRECONDITION:
what matters is whether the refusal is the access rule's ("may not call <method>").
"""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk.push.v1 import push_pb2
from payrisk.risk.v1 import risk_pb2
from payrisk_ingest.access import RULES as INGEST_RULES
from payrisk_ledger.access import RULES as LEDGER_RULES
from payrisk_push.access import RULES as PUSH_RULES
from payrisk_risk.access import RULES as RISK_RULES
from payrisk_runtime import Caller

SERVICES: dict[str, tuple[Any, Any, dict[str, frozenset[str]]]] = {
    "ingest": (ingest_pb2, ingest_pb2.DESCRIPTOR.services_by_name["IngestService"], INGEST_RULES),
    "risk": (risk_pb2, risk_pb2.DESCRIPTOR.services_by_name["RiskService"], RISK_RULES),
    "push": (push_pb2, push_pb2.DESCRIPTOR.services_by_name["PushService"], PUSH_RULES),
    "ledger": (ledger_pb2, ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"], LEDGER_RULES),
}
CALLERS = [
    "operator:alice",
    "acquirer:bank-1",
    "analyst:bob",
    "terminal:d-matrix",
    "service:ingest",
    "service:risk",
    "service:push",
    "service:ledger",
    "service:console",
    "service:settlement",
    "service:unknown",
    "customer:eve",
]
# Calls that would do real work when allowed, are left out of the sweep (the other tests make them for real).
NOT_SWEPT = {"/payrisk.risk.v1.RiskService/TrainModel", "/payrisk.push.v1.PushService/MineBills"}


@pytest.mark.parametrize("service", SERVICES)
def test_every_rpc_has_a_rule(service):
    _, descriptor, rules = SERVICES[service]
    assert {f"/{descriptor.full_name}/{m.name}" for m in descriptor.methods} == set(rules)


def allowed(rules: dict[str, frozenset[str]], method: str, identity: str) -> bool:
    role, _, name = identity.partition(":")
    return Caller(role, name).is_one_of(rules[method])


async def ended_with(stub: Any, method: Any, messages: Any) -> grpc.aio.AioRpcError | None:
    request = getattr(messages, method.input_type.name)()
    call = getattr(stub, method.name)
    try:
        responses = call(iter([request]) if method.client_streaming else request, timeout=5)
        if method.server_streaming:
            async for _ in responses:
                break
            responses.cancel()
        else:
            await responses
    except grpc.aio.AioRpcError as error:
        return error
    return None


@pytest.mark.parametrize("service", SERVICES)
async def test_the_services_enforce_their_rules_for_every_caller(system, service):
    messages, descriptor, rules = SERVICES[service]
    wrong: list[str] = []

    async def sweep(identity: str) -> None:
        stub = system.stub(service, identity)
        for method in descriptor.methods:
            path = f"/{descriptor.full_name}/{method.name}"
            if path in NOT_SWEPT and allowed(rules, path, identity):
                continue
            error = await ended_with(stub, method, messages)
            refused = (
                error is not None
                and error.code() == grpc.StatusCode.PERMISSION_DENIED
                and "may not call" in (error.details() or "")
            )
            if refused == allowed(rules, path, identity):
                wrong.append(f"{identity} {path}: {error.code().name if error else 'OK'}")

    await asyncio.gather(*(sweep(identity) for identity in CALLERS))
    assert not wrong


@pytest.mark.parametrize(
    ("identity", "service", "method"),
    [
        # The refusals the platform promises, spelled out.
        ("analyst:bob", "risk", "ReviewSettlement"),
        ("analyst:bob", "risk", "ActivateModel"),
        ("analyst:bob", "risk", "TrainModel"),
        ("terminal:d-1", "risk", "ReviewSettlement"),
        ("terminal:d-1", "risk", "ActivateModel"),
        ("service:console", "risk", "ReviewSettlement"),
        ("service:console", "risk", "ActivateModel"),
        ("service:console", "ledger", "ReleaseFunds"),
        ("analyst:bob", "ledger", "ReleaseFunds"),
        ("service:ingest", "ledger", "FreezeFunds"),
        ("terminal:d-1", "ingest", "IngestTransactions"),
        ("terminal:d-1", "ingest", "ExportTransactions"),
        ("terminal:d-1", "push", "Notify"),
        ("service:push", "ingest", "UpdateSettlementStatus"),
        ("service:settlement", "risk", "ActivateModel"),
    ],
)
async def test_operator_actions_are_refused_to_everyone_else(system, identity, service, method):
    messages, descriptor, _ = SERVICES[service]
    error = await ended_with(system.stub(service, identity), descriptor.methods_by_name[method], messages)
    assert error is not None
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error.details() == f"{identity} may not call /{descriptor.full_name}/{method}"
