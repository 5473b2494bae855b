"""Serving the console with uvicorn; with port 0 it picks a free port, and says which once it listens."""

from __future__ import annotations

import asyncio
import logging
import socket

import uvicorn
from payrisk_runtime import record_endpoint
from starlette.applications import Starlette

from .settings import ConsoleSettings

logger = logging.getLogger("payrisk.console")


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


class ConsoleServer:
    """uvicorn around the console app; `start` returns once it accepts connections."""

    def __init__(self, app: Starlette, settings: ConsoleSettings) -> None:
        self.settings = settings
        self.url = ""
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,  # payrisk's own JSON logs (configured by the entry point)
            access_log=False,
            timeout_graceful_shutdown=int(settings.shutdown_grace_seconds) or None,
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> str:
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the console stopped while starting")
            await asyncio.sleep(0.02)
        self.url = url_of(self._server.servers[0].sockets[0])
        if self.settings.endpoints_file:
            record_endpoint(self.settings.endpoints_file, "console", self.url)
        logger.info("console listening on %s", self.url)
        return self.url

    async def serve_until_stopped(self) -> None:
        if self._task is None:
            await self.start()
        assert self._task is not None
        await self._task

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
