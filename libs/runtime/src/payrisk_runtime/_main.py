"""The `python -m payrisk_<service>` entry point every service shares."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from ._logging import configure_logging
from ._memory import settle_long_lived
from ._metrics import serve_metrics
from ._server import GrpcServer, serve_until_signalled
from ._settings import ServiceSettings
from ._telemetry import configure_tracing


class RunningService(Protocol):
    server: GrpcServer

    async def stop(self) -> None: ...


S = TypeVar("S", bound=ServiceSettings)


def run_service(name: str, settings: S, start: Callable[[S], Awaitable[RunningService]]) -> None:
    """Configure logs, traces and metrics, start the service, and serve until SIGINT or SIGTERM."""
    configure_logging(name, settings.log_level, settings.log_format)
    configure_tracing(f"payrisk-{name}")
    serve_metrics(settings.metrics_port, settings.host)

    async def run() -> None:
        service = await start(settings)
        settle_long_lived()
        try:
            if settings.health_port:
                await service.server.serve_health_on(settings.health_port)
            await serve_until_signalled(service.server, settings.shutdown_grace_seconds)
        finally:
            await service.stop()

    asyncio.run(run())
