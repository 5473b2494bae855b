"""Plumbing shared by payrisk's services."""

from ._channels import insecure_channel
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
from ._metrics import serve_metrics
from ._server import GrpcServer, Registration, record_endpoint, serve_until_signalled
from ._settings import ServiceSettings
from ._telemetry import configure_tracing

__all__ = [
    "AlreadyExists",
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
    "Unavailable",
    "configure_logging",
    "configure_tracing",
    "create_db_engine",
    "field_violations",
    "insecure_channel",
    "is_sqlite",
    "migrate",
    "record_endpoint",
    "redact",
    "serve_metrics",
    "serve_until_signalled",
    "session_scope",
]
