"""Wrapping a gRPC method handler's behaviour, whatever its kind (unary or streaming, each way)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

Behaviour = Callable[[Any, Any], Any]
UnaryWrapper = Callable[[Behaviour], Callable[[Any, Any], Awaitable[Any]]]
StreamWrapper = Callable[[Behaviour], Callable[[Any, Any], AsyncIterator[Any]]]


def rewrap(
    handler: grpc.RpcMethodHandler[Any, Any],
    unary: UnaryWrapper,
    stream: StreamWrapper,
    request_deserializer: Callable[[bytes], Any] | None = None,
) -> grpc.RpcMethodHandler[Any, Any]:
    """The same handler with its behaviour wrapped: `unary` for single responses, `stream` for streamed ones."""
    options: dict[str, Any] = {
        "request_deserializer": request_deserializer or handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    behaviour: Any
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(unary(handler.unary_unary), **options)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(unary(handler.stream_unary), **options)
    if handler.unary_stream:
        behaviour = handler.unary_stream
        return grpc.unary_stream_rpc_method_handler(stream(behaviour), **options)
    behaviour = handler.stream_stream
    return grpc.stream_stream_rpc_method_handler(stream(behaviour), **options)
