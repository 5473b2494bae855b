"""Who is calling (from the client certificate) and whether that role may call this method."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import grpc

from ._errors import PermissionDenied
from ._handlers import rewrap

# Methods everybody may call: health checks and reflection.
_OPEN = ("/grpc.health.v1.Health/", "/grpc.reflection.")


@dataclass(frozen=True, slots=True)
class Caller:
    role: str
    name: str


def caller(context: Any) -> Caller | None:
    """The authenticated caller of a call over mutual TLS; None over plaintext."""
    values = context.auth_context().get("x509_common_name") or []
    if not values:
        return None
    role, _, name = values[0].decode().partition(":")
    return Caller(role, name)


class AuthorizationInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Refuses a call unless the caller's role is allowed for its method (`/pkg.Service/Method` or `/pkg.Service/`)."""

    def __init__(self, rules: Mapping[str, frozenset[str]]) -> None:
        self._rules = dict(rules)

    def allowed(self, method: str) -> frozenset[str] | None:
        if method.startswith(_OPEN):
            return None
        service = method.rsplit("/", 1)[0] + "/"
        return self._rules.get(method, self._rules.get(service, frozenset()))

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any]]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        handler = await continuation(handler_call_details)
        roles = self.allowed(handler_call_details.method)
        if handler is None or roles is None:
            return handler
        return _guarded(handler, roles, handler_call_details.method)


def _guarded(
    handler: grpc.RpcMethodHandler[Any, Any], roles: frozenset[str], method: str
) -> grpc.RpcMethodHandler[Any, Any]:
    def check(context: Any) -> None:
        who = caller(context)
        if who is None or who.role not in roles:
            raise PermissionDenied(
                f"{who.role if who else 'an unauthenticated caller'} may not call {method}"
            )

    def unary(behaviour: Any) -> Any:
        async def checked(request: Any, context: Any) -> Any:
            check(context)
            return await behaviour(request, context)

        return checked

    def stream(behaviour: Any) -> Any:
        async def checked(request: Any, context: Any) -> Any:
            check(context)
            async for response in behaviour(request, context):
                yield response

        return checked

    return rewrap(handler, unary, stream)
