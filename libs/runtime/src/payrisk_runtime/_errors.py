"""The exceptions payrisk's domain code raises, and how each becomes a gRPC status.

Hierarchy (every service uses these; servicers never build statuses by hand)::

    PayriskError                  INTERNAL (its message is never sent; clients see a generic one)
    ├── InvalidArgument           INVALID_ARGUMENT, with a google.rpc.BadRequest naming every bad field
    ├── NotFound                  NOT_FOUND
    ├── AlreadyExists             ALREADY_EXISTS
    ├── FailedPrecondition        FAILED_PRECONDITION
    ├── PermissionDenied          PERMISSION_DENIED
    ├── ResourceExhausted         RESOURCE_EXHAUSTED
    ├── Unavailable               UNAVAILABLE (a dependency is down; the call may be retried)
    └── Unimplemented             UNIMPLEMENTED (also what a servicer's NotImplementedError becomes)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One bad field: its path in the request (``transactions[3].amount``) and what is wrong."""

    field: str
    description: str


class PayriskError(Exception):
    """Base of every error payrisk raises on purpose."""

    code: grpc.StatusCode = grpc.StatusCode.INTERNAL
    # Whether the message may be shown to the caller.
    public: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_status(self) -> status_pb2.Status:
        message = self.message if self.public else "internal error"
        return status_pb2.Status(code=self.code.value[0], message=message)


class _PublicError(PayriskError):
    public = True


class InvalidArgument(_PublicError):
    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, violations: Iterable[FieldViolation] | FieldViolation, message: str = "") -> None:
        self.violations = [violations] if isinstance(violations, FieldViolation) else list(violations)
        fields = ", ".join(v.field for v in self.violations)
        super().__init__(message or f"invalid argument: {fields}")

    @classmethod
    def field(cls, field: str, description: str) -> InvalidArgument:
        return cls(FieldViolation(field, description))

    def to_status(self) -> status_pb2.Status:
        detail = any_pb2.Any()
        detail.Pack(error_details_pb2.BadRequest(field_violations=_within_budget(self.violations)))
        first = self.violations[0] if self.violations else None
        message = f"{_clip(first.field)}: {_clip(first.description)}" if first else _clip(self.message)
        if len(self.violations) > 1:
            message += f" (and {len(self.violations) - 1} more)"
        return status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=message, details=[detail])


# The status travels in trailing metadata, which clients refuse beyond 8 KiB by default (and then report
# RESOURCE_EXHAUSTED instead of the error), so echoed values are clipped and the list is cut to fit.
_MAX_TEXT = 200
_DETAILS_BUDGET_BYTES = 4096


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def _within_budget(violations: list[FieldViolation]) -> list[error_details_pb2.BadRequest.FieldViolation]:
    kept: list[error_details_pb2.BadRequest.FieldViolation] = []
    used = 0
    for index, violation in enumerate(violations):
        item = error_details_pb2.BadRequest.FieldViolation(
            field=_clip(violation.field), description=_clip(violation.description)
        )
        used += item.ByteSize() + 3
        if used > _DETAILS_BUDGET_BYTES:
            more = len(violations) - index - 1
            kept.append(
                error_details_pb2.BadRequest.FieldViolation(
                    field=_clip(violation.field),
                    description=f"is wrong too, as are {more} more fields not listed",
                )
            )
            break
        kept.append(item)
    return kept


class NotFound(_PublicError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(_PublicError):
    code = grpc.StatusCode.ALREADY_EXISTS


class FailedPrecondition(_PublicError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class PermissionDenied(_PublicError):
    code = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhausted(_PublicError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class Unavailable(_PublicError):
    code = grpc.StatusCode.UNAVAILABLE


class Unimplemented(_PublicError):
    code = grpc.StatusCode.UNIMPLEMENTED


STATUS_DETAILS_KEY = "grpc-status-details-bin"


def field_violations(error: grpc.RpcError) -> list[FieldViolation]:
    """The BadRequest field violations a server attached to a failed call (for clients and tests)."""
    trailing: Any = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    for key, value in trailing or ():
        if key != STATUS_DETAILS_KEY:
            continue
        status = status_pb2.Status.FromString(value)
        violations: list[FieldViolation] = []
        for detail in status.details:
            bad_request = error_details_pb2.BadRequest()
            if detail.Unpack(bad_request):
                violations += [FieldViolation(v.field, v.description) for v in bad_request.field_violations]
        return violations
    return []
