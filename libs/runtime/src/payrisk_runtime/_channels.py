"""Client channels to other payrisk services, traced and with sane limits."""

from __future__ import annotations

import grpc

from ._server import channel_options
from ._telemetry import client_tracing_interceptors


def insecure_channel(address: str, *, max_message_bytes: int = 16 * 1024 * 1024) -> grpc.aio.Channel:
    """An asyncio channel to `host:port` with tracing propagated to the callee."""
    return grpc.aio.insecure_channel(
        address,
        options=channel_options(max_message_bytes),
        interceptors=client_tracing_interceptors(),
    )
