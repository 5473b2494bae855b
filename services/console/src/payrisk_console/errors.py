"""What can go wrong behind a page, and what the analyst is told: never a stack trace."""

from __future__ import annotations

import grpc
from payrisk_runtime import FieldViolation


class ConsoleError(Exception):
    """An error page: its HTTP status, a title and what to tell the analyst."""

    status = 500
    title = "Something went wrong"

    def __init__(self, message: str, violations: list[FieldViolation] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.violations = violations or []


class BadQuery(ConsoleError):
    """A query parameter or form field the console cannot use."""

    status = 400
    title = "That request cannot be shown"

    @classmethod
    def field(cls, name: str, description: str) -> BadQuery:
        return cls(f"{name}: {description}", [FieldViolation(name, description)])


class NotSignedIn(ConsoleError):
    status = 401
    title = "Please sign in"


class Forbidden(ConsoleError):
    status = 403
    title = "Not allowed"


# Codes that mean the service is not there (or not answering), rather than that it said no.
_DOWN = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
_HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 503,
}


class ServiceError(ConsoleError):
    """A call to one of the four services failed; the page says which service and what it said."""

    def __init__(
        self,
        service: str,
        code: grpc.StatusCode,
        details: str,
        violations: list[FieldViolation] | None = None,
    ) -> None:
        self.service = service
        self.code = code
        self.details = details
        self.down = code in _DOWN
        if self.down:
            message = f"The {service} service did not answer ({code.name}); try again in a moment."
        else:
            message = f"{service}: {details or code.name} ({code.name})"
        super().__init__(message, violations)
        self.status = _HTTP_STATUS.get(code, 502)
        if self.down:
            self.title = f"The {service} service is not answering"
        elif code == grpc.StatusCode.NOT_FOUND:
            self.title = "Not found"
        else:
            self.title = f"The {service} service refused"
