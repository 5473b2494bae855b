"""Prometheus metrics: every RPC counted and timed by method and status, served on an HTTP port."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from prometheus_client import Counter, Histogram, start_http_server

from ._handlers import rewrap

REQUESTS = Counter("payrisk_rpc_requests_total", "RPCs handled", ["service", "method", "code"])
LATENCY = Histogram(
    "payrisk_rpc_duration_seconds",
    "Time to handle an RPC (for streams: the whole stream)",
    ["service", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def serve_metrics(port: int, host: str = "127.0.0.1") -> None:
    """Expose /metrics for Prometheus; port 0 means metrics are not served."""
    if port:
        start_http_server(port, addr=host)


def _split(full_method: str) -> tuple[str, str]:
    service, _, method = full_method.lstrip("/").rpartition("/")
    return service, method


class MetricsInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Counts and times every call except health checks."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any]]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        handler = await continuation(handler_call_details)
        service, method = _split(handler_call_details.method)
        if handler is None or service == "grpc.health.v1.Health":
            return handler
        return rewrap(
            handler,
            lambda behaviour: _timed_unary(behaviour, service, method),
            lambda behaviour: _timed_stream(behaviour, service, method),
        )


def _code(context: Any, failed: bool) -> str:
    code = context.code()
    if code is None:
        return "UNKNOWN" if failed else "OK"
    return str(code.name)


class _MethodMetrics:
    """One method's series, looked up once (a label lookup costs more than the observation)."""

    def __init__(self, service: str, method: str) -> None:
        self._service, self._method = service, method
        self._latency = LATENCY.labels(service, method)
        self._requests: dict[str, Any] = {}

    def record(self, started: float, context: Any, failed: bool) -> None:
        self._latency.observe(time.perf_counter() - started)
        code = _code(context, failed)
        counter = self._requests.get(code)
        if counter is None:
            counter = self._requests[code] = REQUESTS.labels(self._service, self._method, code)
        counter.inc()


def _timed_unary(behaviour: Callable[..., Any], service: str, method: str) -> Callable[..., Awaitable[Any]]:
    metrics = _MethodMetrics(service, method)

    async def wrapped(request: Any, context: Any) -> Any:
        started, failed = time.perf_counter(), True
        try:
            response = await behaviour(request, context)
            failed = False
            return response
        finally:
            metrics.record(started, context, failed)

    return wrapped


def _timed_stream(
    behaviour: Callable[..., Any], service: str, method: str
) -> Callable[..., AsyncIterator[Any]]:
    metrics = _MethodMetrics(service, method)

    async def wrapped(request: Any, context: Any) -> AsyncIterator[Any]:
        started, failed = time.perf_counter(), True
        try:
            async for response in behaviour(request, context):
                yield response
            failed = False
        finally:
            metrics.record(started, context, failed)

    return wrapped
