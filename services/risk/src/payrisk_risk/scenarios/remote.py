"""Calling other payrisk services: their failures become payrisk's own errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import grpc
from payrisk_runtime import NotFound, PayriskError, Unavailable

_RETRYABLE = (
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
)


@contextmanager
def remote_errors(service: str) -> Iterator[None]:
    """NOT_FOUND stays NOT_FOUND, an unreachable service is UNAVAILABLE (retry), anything else is ours."""
    try:
        yield
    except grpc.aio.AioRpcError as error:
        code = error.code()
        if code == grpc.StatusCode.NOT_FOUND:
            raise NotFound(error.details() or f"not found in {service}") from error
        if code in _RETRYABLE:
            raise Unavailable(f"{service} is unavailable ({code.name}); try again") from error
        raise PayriskError(f"{service} call failed: {code.name}: {error.details()}") from error
