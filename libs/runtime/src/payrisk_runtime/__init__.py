"""Plumbing shared by payrisk's services.

Names are imported on first use, so that a command-line client that needs only a little of this package does
not pay for loading the database and server machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import ServiceApp
    from ._auth import (
        ACQUIRER,
        ANALYST,
        OPERATOR,
        TERMINAL,
        AuthorizationInterceptor,
        Caller,
        caller,
        check_acting_as_itself,
        method_rules,
        service_identity,
    )
    from ._backoff import Backoff
    from ._channels import insecure_channel, open_channel
    from ._client_tls import blocking_channel, client_tls, write_client_tls
    from ._db import create_db_engine, is_sqlite, migrate, session_scope
    from ._errors import (
        AlreadyExists,
        FailedPrecondition,
        FieldViolation,
        InvalidArgument,
        NotFound,
        PayriskError,
        PermissionDenied,
        ResourceExhausted,
        Unavailable,
        field_violations,
    )
    from ._handlers import rewrap
    from ._logging import configure_logging, redact
    from ._main import run_service
    from ._memory import settle_long_lived
    from ._metrics import serve_metrics
    from ._server import GrpcServer, Registration, record_endpoint, serve_until_signalled
    from ._settings import ServiceSettings
    from ._telemetry import annotate, configure_tracing
    from ._tls import TlsFiles

_HOMES = {
    "ACQUIRER": "._auth",
    "ANALYST": "._auth",
    "OPERATOR": "._auth",
    "TERMINAL": "._auth",
    "check_acting_as_itself": "._auth",
    "method_rules": "._auth",
    "service_identity": "._auth",
    "ServiceApp": "._app",
    "AlreadyExists": "._errors",
    "AuthorizationInterceptor": "._auth",
    "Backoff": "._backoff",
    "Caller": "._auth",
    "FailedPrecondition": "._errors",
    "FieldViolation": "._errors",
    "GrpcServer": "._server",
    "InvalidArgument": "._errors",
    "NotFound": "._errors",
    "PayriskError": "._errors",
    "PermissionDenied": "._errors",
    "Registration": "._server",
    "ResourceExhausted": "._errors",
    "ServiceSettings": "._settings",
    "settle_long_lived": "._memory",
    "TlsFiles": "._tls",
    "Unavailable": "._errors",
    "annotate": "._telemetry",
    "blocking_channel": "._client_tls",
    "client_tls": "._client_tls",
    "write_client_tls": "._client_tls",
    "caller": "._auth",
    "configure_logging": "._logging",
    "configure_tracing": "._telemetry",
    "create_db_engine": "._db",
    "field_violations": "._errors",
    "insecure_channel": "._channels",
    "is_sqlite": "._db",
    "migrate": "._db",
    "open_channel": "._channels",
    "record_endpoint": "._server",
    "redact": "._logging",
    "rewrap": "._handlers",
    "run_service": "._main",
    "serve_metrics": "._metrics",
    "serve_until_signalled": "._server",
    "session_scope": "._db",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "ACQUIRER",
    "ANALYST",
    "OPERATOR",
    "TERMINAL",
    "AlreadyExists",
    "AuthorizationInterceptor",
    "Backoff",
    "Caller",
    "FailedPrecondition",
    "FieldViolation",
    "GrpcServer",
    "InvalidArgument",
    "NotFound",
    "PayriskError",
    "PermissionDenied",
    "Registration",
    "ResourceExhausted",
    "ServiceApp",
    "ServiceSettings",
    "TlsFiles",
    "Unavailable",
    "annotate",
    "blocking_channel",
    "caller",
    "check_acting_as_itself",
    "client_tls",
    "configure_logging",
    "configure_tracing",
    "create_db_engine",
    "field_violations",
    "insecure_channel",
    "is_sqlite",
    "method_rules",
    "migrate",
    "open_channel",
    "record_endpoint",
    "redact",
    "rewrap",
    "run_service",
    "serve_metrics",
    "serve_until_signalled",
    "service_identity",
    "session_scope",
    "settle_long_lived",
    "write_client_tls",
]
