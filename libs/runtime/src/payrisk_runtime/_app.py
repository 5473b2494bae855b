"""A running service and what it must release when it stops."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from sqlalchemy import Engine

from ._server import GrpcServer


class ServiceApp:
    """Stops in order: background tasks, then the server (letting calls finish), then clients and backends, then
    the database."""

    def __init__(self, server: GrpcServer, engine: Engine, grace_seconds: float) -> None:
        self.server = server
        self.engine = engine
        self.address = ""
        self._grace = grace_seconds
        self._tasks: list[asyncio.Task[None]] = []
        self._closers: list[Callable[[], Awaitable[Any]]] = []

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background for as long as the service runs."""
        self._tasks.append(asyncio.create_task(work))

    def on_stop(self, close: Callable[[], Awaitable[Any]]) -> None:
        """Call `close` on stop, after the server has stopped (channels to other services, ledger backends)."""
        self._closers.append(close)

    async def start(self) -> str:
        self.address = await self.server.start()
        return self.address

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.server.stop(self._grace)
        for close in self._closers:
            await close()
        self.engine.dispose()
