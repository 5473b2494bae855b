"""Who is calling (from the client certificate) and whether that caller may call this method.

A certificate's common name is `<role>:<name>`. Access rules name, per method, the principals allowed to call
it: a role (`operator`, `terminal`: anyone with that role) or one whole identity (`service:risk`: that service
only). Rules apply over mutual TLS only: over plaintext nobody is authenticated (development only).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor

from ._errors import PermissionDenied
from ._handlers import rewrap

# Methods everybody may call: health checks and reflection.
_OPEN = ("/grpc.health.v1.Health/", "/grpc.reflection.")

# The roles payrisk knows. Services are named one by one (`service_identity("risk")`), never as a role:
# being one payrisk service must not make a caller every other.
OPERATOR = "operator"
ANALYST = "analyst"
ACQUIRER = "acquirer"
TERMINAL = "terminal"
# Identities echoed in refusals are cut to this (an id is at most 128 characters; anything longer is junk).
_MAX_ECHO = 128

Rules = Mapping[str, frozenset[str]]


def service_identity(name: str) -> str:
    """The identity of a payrisk service (or a system acting as one): `service:<name>`."""
    return f"service:{name}"


@dataclass(frozen=True, slots=True)
class Caller:
    role: str
    name: str

    @property
    def identity(self) -> str:
        return f"{self.role}:{self.name}"

    def is_one_of(self, principals: frozenset[str]) -> bool:
        """Whether this caller's role or its whole identity is among `principals`."""
        return self.role in principals or self.identity in principals


def caller(context: Any) -> Caller | None:
    """The authenticated caller of a call over mutual TLS; None over plaintext."""
    values = context.auth_context().get("x509_common_name") or []
    if not values:
        return None
    role, _, name = values[0].decode().partition(":")
    return Caller(role, name)


def echo(value: str) -> str:
    """A caller-supplied id as it may appear in a refusal: clipped, so a huge field cannot bloat the status."""
    return value if len(value) <= _MAX_ECHO else value[: _MAX_ECHO - 1] + "…"


def check_acting_as_itself(who: Caller | None, role: str, field: str, claimed: str) -> None:
    """A caller with `role` may act only for itself: the id its request names in `field` must be its own name.

    Callers with other roles (an operator acting for a terminal) and unauthenticated development calls pass.
    """
    if who is not None and who.role == role and claimed != who.name:
        raise PermissionDenied(f"{who.identity} may act only for itself, not for {field} {echo(claimed)!r}")


def method_rules(
    service: ServiceDescriptor, grants: Mapping[str, Iterable[str]]
) -> dict[str, frozenset[str]]:
    """The rules of one service, keyed `/pkg.Service/Method`, from `{"Method": principals}`.

    A method left out may be called by nobody; naming a method the service does not have is a mistake caught
    at import, so a renamed RPC cannot silently lose its rule.
    """
    unknown = sorted(set(grants) - {m.name for m in service.methods})
    if unknown:
        raise ValueError(f"{service.full_name} has no methods {', '.join(unknown)}")
    return {f"/{service.full_name}/{name}": frozenset(principals) for name, principals in grants.items()}


class AuthorizationInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Refuses a call unless the caller is allowed for its method (`/pkg.Service/Method` or `/pkg.Service/`)."""

    def __init__(self, rules: Rules) -> None:
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
        principals = self.allowed(handler_call_details.method)
        if handler is None or principals is None:
            return handler
        return _guarded(handler, principals, handler_call_details.method)


def _guarded(
    handler: grpc.RpcMethodHandler[Any, Any], principals: frozenset[str], method: str
) -> grpc.RpcMethodHandler[Any, Any]:
    def check(context: Any) -> None:
        who = caller(context)
        if who is None or not who.is_one_of(principals):
            raise PermissionDenied(
                f"{echo(who.identity) if who else 'an unauthenticated caller'} may not call {method}"
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
