"""The console's gRPC clients of ingest, risk, ledger and push, and what their failures become.

Two sets of stubs: the console's own (over mutual TLS its certificate says `service:console`, which may read
and label), and an operator's for what only an operator may do (release a freeze, notify the merchant,
activate a model); without an operator certificate both are the same channels.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2_grpc
from payrisk.push.v1 import push_pb2_grpc
from payrisk.risk.v1 import risk_pb2_grpc
from payrisk_runtime import TlsFiles, field_violations, open_channel

from .errors import ServiceError
from .settings import ConsoleSettings

T = TypeVar("T")


@dataclass(frozen=True)
class Stubs:
    ingest: Any
    risk: Any
    ledger: Any
    push: Any


def _stubs(channels: dict[str, grpc.aio.Channel]) -> Stubs:
    return Stubs(
        ingest=ingest_pb2_grpc.IngestServiceStub(channels["ingest"]),
        risk=risk_pb2_grpc.RiskServiceStub(channels["risk"]),
        ledger=ledger_pb2_grpc.LedgerServiceStub(channels["ledger"]),
        push=push_pb2_grpc.PushServiceStub(channels["push"]),
    )


class Services:
    def __init__(self, addresses: dict[str, str], tls: TlsFiles | None, operator_tls: TlsFiles | None,
                 deadline_seconds: float, max_message_bytes: int) -> None:  # fmt: skip
        def channels(credentials: TlsFiles | None) -> dict[str, grpc.aio.Channel]:
            return {
                name: open_channel(address, credentials, max_message_bytes=max_message_bytes)
                for name, address in addresses.items()
            }

        self._own = channels(tls)
        self._operator = channels(operator_tls) if operator_tls is not None else self._own
        self.addresses = dict(addresses)
        self.deadline = deadline_seconds
        self.reader = _stubs(self._own)
        self.operator = _stubs(self._operator)

    @classmethod
    def from_settings(cls, settings: ConsoleSettings) -> Services:
        addresses = {
            "ingest": settings.ingest_address,
            "risk": settings.risk_address,
            "ledger": settings.ledger_address,
            "push": settings.push_address,
        }
        return cls(addresses, settings.tls(), settings.operator_tls(), settings.call_deadline_seconds,
                   settings.max_message_bytes)  # fmt: skip

    async def close(self) -> None:
        for channel in {*self._own.values(), *self._operator.values()}:
            await channel.close(None)


async def call(service: str, pending: Awaitable[T]) -> T:
    """Awaits a call to `service`; a failure becomes a ServiceError that names the service."""
    try:
        return await pending
    except grpc.aio.AioRpcError as error:
        raise ServiceError(service, error.code(), error.details() or "", field_violations(error)) from error
