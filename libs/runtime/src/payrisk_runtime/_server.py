"""gRPC server bootstrap: health checking, reflection, tracing, error mapping, graceful shutdown."""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import signal
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio  # type: ignore[attr-defined]
from grpc_reflection.v1alpha import reflection

from ._auth import AuthorizationInterceptor
from ._interceptors import ErrorInterceptor
from ._metrics import MetricsInterceptor
from ._telemetry import server_tracing_interceptor
from ._tls import TlsFiles

logger = logging.getLogger("payrisk.server")


@dataclass(frozen=True, slots=True)
class Registration:
    """A servicer to serve: its full gRPC service name and the generated `add_*_to_server` call."""

    service_name: str
    add_to_server: Callable[[grpc.aio.Server], None]


def channel_options(max_message_bytes: int) -> list[tuple[str, Any]]:
    return [
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
    ]


class _OncePerMethod(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Runs the interceptors once per method instead of once per call, and keeps the handler they made.

    What an interceptor wraps around a handler depends on the method alone (a call's own facts, its caller,
    metadata and deadline, are read from its context when it runs), so the chain's handler can be reused:
    building it again for every call cost a tenth of a small call's time on the server. Methods nobody serves
    are not remembered, so made-up names cannot fill memory.
    """

    def __init__(self, interceptors: Sequence[grpc.aio.ServerInterceptor[Any, Any]]) -> None:
        self._interceptors = list(interceptors)
        self._handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any]]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        method = handler_call_details.method
        handler = self._handlers.get(method)
        if handler is None:
            handler = await self._through(0, continuation, handler_call_details)
            if handler is not None:
                self._handlers[method] = handler
        return handler

    async def _through(
        self,
        index: int,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any]]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        if index == len(self._interceptors):
            return await continuation(details)
        return await self._interceptors[index].intercept_service(
            lambda inner: self._through(index + 1, continuation, inner), details
        )


class GrpcServer:
    """An asyncio gRPC server with payrisk's standard services and interceptors.

    Interceptors (the standard ones and `extra_interceptors`) decide how to wrap a method's handler from the
    method alone: they run once per method (see _OncePerMethod).
    """

    def __init__(
        self,
        registrations: Sequence[Registration],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_message_bytes: int = 16 * 1024 * 1024,
        extra_interceptors: Sequence[grpc.aio.ServerInterceptor[Any, Any]] = (),
        tls: TlsFiles | None = None,
        access: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self._tls = tls
        # Callers are known only from their certificates, so the access rules (who may call which method)
        # apply whenever the server runs with TLS; over plaintext nobody is authenticated (development only).
        authorization = [AuthorizationInterceptor(access)] if tls is not None and access is not None else []
        self._registrations = list(registrations)
        self._host = host
        self._port = port
        self._server = grpc.aio.server(
            # Outermost first. Errors are mapped outside the extra interceptors, so that their refusals
            # (an unauthorised caller) become proper statuses too.
            interceptors=[
                _OncePerMethod(
                    [
                        server_tracing_interceptor(),
                        MetricsInterceptor(),
                        ErrorInterceptor(),
                        *authorization,
                        *extra_interceptors,
                    ]
                )
            ],
            options=channel_options(max_message_bytes),
        )
        self._health = health_aio.HealthServicer()
        self._health_server: grpc.aio.Server | None = None
        self.address = ""

    async def start(self) -> str:
        for registration in self._registrations:
            registration.add_to_server(self._server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        names = [r.service_name for r in self._registrations]
        reflection.enable_server_reflection(
            [*names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME],
            self._server,
        )
        endpoint = f"{self._host}:{self._port}"
        if self._tls is not None:
            bound = self._server.add_secure_port(endpoint, self._tls.server_credentials())
        else:
            logger.warning("serving plaintext on %s: for development only", endpoint)
            bound = self._server.add_insecure_port(endpoint)
        await self._server.start()
        for name in ["", *names]:
            await self._health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self.address = f"{self._host}:{bound}"
        return self.address

    async def serve_health_on(self, port: int) -> str:
        """Also answer health checks, in plaintext, on `port` of the same host (0 picks a free port).

        For probes that cannot present a client certificate, such as Kubernetes' native gRPC probes. Only
        grpc.health.v1 is served there (every other method is UNIMPLEMENTED), from the same health state, so
        it tells no more than whether the server and its services are serving, and stops serving with them.
        """
        server = grpc.aio.server(options=[("grpc.max_receive_message_length", 4096)])
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        bound = server.add_insecure_port(f"{self._host}:{port}")
        await server.start()
        self._health_server = server
        address = f"{self._host}:{bound}"
        logger.info("health checks in plaintext on %s (the health service only)", address)
        return address

    async def stop(self, grace: float | None = 5.0) -> None:
        # Tell load balancers first, then let in-flight calls finish.
        await self._health.enter_graceful_shutdown()
        await self._server.stop(grace)
        if self._health_server is not None:
            await self._health_server.stop(0)

    async def wait_for_termination(self) -> None:
        await self._server.wait_for_termination()


async def serve_until_signalled(server: GrpcServer, grace: float) -> None:
    """Run until SIGINT or SIGTERM, then shut down gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    logger.info("shutting down")
    await server.stop(grace)


def record_endpoint(path: Path, service: str, address: str) -> None:
    """Merge `service: address` into a JSON file shared by all local services (locked against races)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        endpoints = json.loads(path.read_text()) if path.exists() and path.read_text().strip() else {}
        endpoints[service] = address
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(endpoints, indent=2, sort_keys=True) + "\n")
        tmp.replace(path)
