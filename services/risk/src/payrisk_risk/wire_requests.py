"""Scoring requests kept as the bytes they arrived in.

The compiled pass (features/wire.py) reads a request's transactions from its bytes; turning them into a
protobuf message first, only for the pass to read its re-serialised bytes, cost more than the pass itself
(about a millisecond for a thousand transactions). So the scoring methods take their requests unparsed, and
a message is made of them only when one is needed: bytes the pass cannot read, or a transaction to explain
why it is refused. Bytes that are not a message at all fail then, as a malformed request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import grpc
from google.protobuf.message import Message
from payrisk_runtime import rewrap

from .features import wire


class WireRequest:
    """A request's bytes, and the message they are, parsed on first use."""

    __slots__ = ("_message", "data", "message_type")

    def __init__(self, data: bytes, message_type: type[Message], message: Message | None = None) -> None:
        self.data = data
        self.message_type = message_type
        self._message = message

    @classmethod
    def of(cls, message: Message) -> WireRequest:
        return cls(message.SerializeToString(), type(message), message)

    @property
    def message(self) -> Any:
        if self._message is None:
            self._message = self.message_type.FromString(self.data)
        return self._message

    def text_field(self, name: str) -> str:
        """A top-level string field, read from the bytes when they are plain (from the message otherwise)."""
        number = self.message_type.DESCRIPTOR.fields_by_name[name].number
        raw = wire.last_field(self.data, number)
        if raw is not None:
            try:
                return raw.decode()
            except UnicodeDecodeError:
                pass  # the message's parse tells what is wrong
        return str(getattr(self.message, name))


class WireRequests(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Hands the named methods (full gRPC method name -> request type) their requests as WireRequest."""

    def __init__(self, methods: Mapping[str, type[Message]]) -> None:
        self._methods = dict(methods)

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any]]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        handler = await continuation(handler_call_details)
        message_type = self._methods.get(handler_call_details.method)
        if handler is None or message_type is None:
            return handler

        def unparsed(data: bytes) -> WireRequest:
            return WireRequest(data, message_type)

        return rewrap(handler, _unchanged, _unchanged, request_deserializer=unparsed)


def _unchanged(behaviour: Any) -> Any:
    return behaviour
