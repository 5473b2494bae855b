"""Server interceptor that turns exceptions into gRPC statuses, never into stack traces for the caller."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from google.protobuf import message

from ._errors import STATUS_DETAILS_KEY, InvalidArgument, PayriskError, Unavailable, Unimplemented
from ._handlers import rewrap

logger = logging.getLogger("payrisk.rpc")


async def _abort(context: grpc.aio.ServicerContext[Any, Any], error: PayriskError) -> None:
    status = error.to_status()
    await context.abort(
        error.code,
        status.message,
        trailing_metadata=((STATUS_DETAILS_KEY, status.SerializeToString()),),
    )


def _as_payrisk_error(exc: Exception, method: str) -> PayriskError:
    if isinstance(exc, PayriskError):
        return exc
    if isinstance(exc, NotImplementedError):
        return Unimplemented(f"{method} is not implemented")
    if _database_gone(exc):
        # The database went away (restart, failover): nothing was committed, and the client may retry.
        logger.warning("database unavailable in %s: %s", method, exc.__class__.__name__)
        return Unavailable("the database is unavailable; retry the call")
    if isinstance(exc, message.DecodeError):
        return InvalidArgument.field("request", "malformed protobuf message")
    logger.exception("unhandled error in %s", method)
    return PayriskError(str(exc))


def _database_gone(exc: Exception) -> bool:
    if not type(exc).__module__.startswith("sqlalchemy"):
        return False  # and sqlalchemy need not be imported to know it
    from sqlalchemy.exc import DisconnectionError, OperationalError

    return isinstance(exc, OperationalError | DisconnectionError)


class ErrorInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Maps PayriskError (and anything unexpected) to a status; logs unexpected ones with the trace id."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any]]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
        return rewrap(
            handler,
            lambda behaviour: _wrap_unary(behaviour, method),
            lambda behaviour: _wrap_stream(behaviour, method),
            request_deserializer=_tolerant(handler.request_deserializer),
        )


class _Malformed:
    """Stands in for a request whose bytes did not parse, so the call fails with INVALID_ARGUMENT."""


def _tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None

    def deserialize(data: bytes) -> Any:
        try:
            return deserializer(data)
        except Exception:
            return _Malformed()

    return deserialize


def _checked(request: Any) -> Any:
    """The request, or for a stream of requests an iterator that fails on the first malformed one."""
    if isinstance(request, _Malformed):
        raise InvalidArgument.field("request", "malformed protobuf message")
    if hasattr(request, "__aiter__"):
        return _checked_stream(request)
    return request


async def _checked_stream(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for request in requests:
        if isinstance(request, _Malformed):
            raise InvalidArgument.field("request", "malformed protobuf message")
        yield request


def _wrap_unary(behaviour: Callable[..., Any], method: str) -> Callable[..., Awaitable[Any]]:
    async def wrapped(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            return await behaviour(_checked(request), context)
        except Exception as exc:
            if _is_abort(exc):
                raise
            await _abort(context, _as_payrisk_error(exc, method))
            return None

    return wrapped


def _wrap_stream(behaviour: Callable[..., Any], method: str) -> Callable[..., AsyncIterator[Any]]:
    async def wrapped(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
        try:
            async for response in behaviour(_checked(request), context):
                yield response
        except Exception as exc:
            if _is_abort(exc):
                raise
            await _abort(context, _as_payrisk_error(exc, method))

    return wrapped


def _is_abort(exc: BaseException) -> bool:
    # context.abort() raises this internally to end the call; it must pass through untouched.
    return type(exc).__name__ == "AbortError"
