"""Client channels to other payrisk services, traced and with sane limits."""

from __future__ import annotations

import grpc

from ._server import channel_options
from ._telemetry import client_tracing_interceptors
from ._tls import TlsFiles


def insecure_channel(address: str, *, max_message_bytes: int = 16 * 1024 * 1024) -> grpc.aio.Channel:
    """An asyncio channel to `host:port` with tracing propagated to the callee."""
    return grpc.aio.insecure_channel(
        address,
        options=channel_options(max_message_bytes),
        interceptors=client_tracing_interceptors(),
    )


def open_channel(
    address: str, tls: TlsFiles | None = None, *, max_message_bytes: int = 16 * 1024 * 1024
) -> grpc.aio.Channel:
    """A traced asyncio channel: mutual TLS when `tls` is given, plaintext (development only) otherwise."""
    if tls is None:
        return insecure_channel(address, max_message_bytes=max_message_bytes)
    return grpc.aio.secure_channel(
        address,
        tls.channel_credentials(),
        options=channel_options(max_message_bytes),
        interceptors=client_tracing_interceptors(),
    )
