"""Who may call push over mutual TLS, and what a terminal may ask for: only what is its own.

| caller                          | may call                                                                       |
| ------------------------------- | ------------------------------------------------------------------------------ |
| `operator`                      | everything                                                                     |
| `terminal:<device>`             | UpdateSubscription, RequestPush, StreamNotifications, AckNotification,         |
|                                 | DismissObject: for itself (and its merchant's notices) only                    |
| `service:risk`                  | Notify (funds frozen, risk alerts)                                             |
| `analyst`, `service:console`    | ListTopics                                                                     |

A terminal is its certificate's name: it streams, acknowledges, subscribes and asks pushes under that id only,
and it hears its merchant's notices only for the merchant its device is registered with in ingest.
"""

from __future__ import annotations

import time
from typing import Protocol

import grpc
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.push.v1 import push_pb2
from payrisk_runtime import (
    ANALYST,
    OPERATOR,
    TERMINAL,
    Caller,
    PermissionDenied,
    Unavailable,
    check_acting_as_itself,
    method_rules,
    service_identity,
)

RISK, CONSOLE = service_identity("risk"), service_identity("console")
_TERMINALS = {OPERATOR, TERMINAL}

RULES = method_rules(
    push_pb2.DESCRIPTOR.services_by_name["PushService"],
    {
        "UpdateSubscription": _TERMINALS,
        "RequestPush": _TERMINALS,
        "StreamNotifications": _TERMINALS,
        "AckNotification": _TERMINALS,
        "DismissObject": _TERMINALS,
        "Notify": {OPERATOR, RISK},
        "MineBills": {OPERATOR},
        "ListTopics": {OPERATOR, ANALYST, CONSOLE},
    },
)


class TerminalDirectory(Protocol):
    async def merchant_of(self, device_id: str) -> str | None:
        """The merchant a device is registered with; None for a device nobody registered."""


class IngestTerminals:
    """Terminals' merchants as registered in ingest, remembered for a while: a terminal reconnecting (they all
    do after a restart) costs no call, and a device moved to another merchant is seen within `ttl_seconds`."""

    def __init__(
        self,
        ingest: ingest_pb2_grpc.IngestServiceStub,
        *,
        ttl_seconds: float = 60.0,
        deadline_seconds: float = 5.0,
        capacity: int = 100_000,
    ) -> None:
        self._ingest = ingest
        self._ttl = ttl_seconds
        self._deadline = deadline_seconds
        self._capacity = capacity
        self._known: dict[str, tuple[str, float]] = {}

    async def merchant_of(self, device_id: str) -> str | None:
        now = time.monotonic()
        known = self._known.get(device_id)
        if known is not None and known[1] > now:
            return known[0]
        try:
            found = await self._ingest.GetDevice(
                ingest_pb2.GetDeviceRequest(device_id=device_id), timeout=self._deadline
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise Unavailable("the terminal's merchant cannot be checked with ingest now; retry") from error
        if len(self._known) >= self._capacity:
            self._known.pop(next(iter(self._known)))  # the oldest entry: dicts keep insertion order
        self._known[device_id] = (found.device.merchant_id, now + self._ttl)
        return str(found.device.merchant_id)


def check_terminal_is_itself(who: Caller | None, field: str, terminal_id: str) -> None:
    """A terminal subscribes, dismisses, asks pushes and acknowledges only as itself."""
    check_acting_as_itself(who, TERMINAL, field, terminal_id)


async def check_stream_is_its_own(
    who: Caller | None, terminals: TerminalDirectory | None, terminal_id: str, merchant_id: str
) -> None:
    """A terminal streams its own notices, and its merchant's only when that is the merchant it belongs to."""
    check_terminal_is_itself(who, "terminal_id", terminal_id)
    if who is None or who.role != TERMINAL or not merchant_id:
        return
    if terminals is None:
        raise PermissionDenied(
            "a terminal's merchant cannot be checked: this push service has no ingest address, "
            "so a terminal may stream only the notices addressed to itself"
        )
    if await terminals.merchant_of(who.name) != merchant_id:
        raise PermissionDenied(f"{who.identity} is not a terminal of merchant {merchant_id[:128]!r}")
