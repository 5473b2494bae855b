"""Plumbing shared by payrisk's services."""

from ._auth import AuthorizationInterceptor, Caller, caller
from ._channels import insecure_channel, open_channel
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
from ._logging import configure_logging, redact
from ._main import run_service
from ._metrics import serve_metrics
from ._server import GrpcServer, Registration, record_endpoint, serve_until_signalled
from ._settings import ServiceSettings
from ._telemetry import configure_tracing
from ._tls import TlsFiles

__all__ = [
    "AlreadyExists",
    "AuthorizationInterceptor",
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
    "ServiceSettings",
    "TlsFiles",
    "Unavailable",
    "caller",
    "configure_logging",
    "configure_tracing",
    "create_db_engine",
    "field_violations",
    "insecure_channel",
    "is_sqlite",
    "migrate",
    "open_channel",
    "record_endpoint",
    "redact",
    "run_service",
    "serve_metrics",
    "serve_until_signalled",
    "session_scope",
]
