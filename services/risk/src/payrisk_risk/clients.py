"""The services risk calls, and what their failures become for risk's own callers."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

import grpc
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2_grpc
from payrisk.push.v1 import push_pb2_grpc
from payrisk_runtime import FailedPrecondition, NotFound, PayriskError, Unavailable

T = TypeVar("T")

# Failures a later attempt may not meet: the service is down, slow or shedding load.
TRANSIENT = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.INTERNAL,
    }
)


@dataclass(frozen=True)
class Downstream:
    """Stubs of the services risk calls; None where no address is configured."""

    ingest: ingest_pb2_grpc.IngestServiceStub | None
    ledger: ledger_pb2_grpc.LedgerServiceStub | None
    push: push_pb2_grpc.PushServiceStub | None
    deadline_seconds: float

    def need_ingest(self) -> ingest_pb2_grpc.IngestServiceStub:
        if self.ingest is None:
            raise FailedPrecondition("this needs ingest: set PAYRISK_RISK_INGEST_ADDRESS")
        return self.ingest


def is_transient(error: grpc.aio.AioRpcError) -> bool:
    return error.code() in TRANSIENT


async def call(service: str, pending: Awaitable[T]) -> T:
    """Awaits a call to another service; its failure becomes NOT_FOUND, UNAVAILABLE or an internal error."""
    try:
        return await pending
    except grpc.aio.AioRpcError as error:
        if error.code() == grpc.StatusCode.NOT_FOUND:
            raise NotFound(error.details() or f"not found in {service}") from error
        if is_transient(error):
            raise Unavailable(f"{service} is unavailable ({error.code().name}); try again") from error
        raise PayriskError(f"{service} refused the call: {error.code().name} {error.details()}") from error
