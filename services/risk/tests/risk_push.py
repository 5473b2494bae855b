"""A push server for tests: the real push service when it is installed, else a small real gRPC server that
implements Notify (idempotent by notification id, like push) and remembers what it received."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from payrisk.push.v1 import push_pb2, push_pb2_grpc


def _real_push() -> Callable[..., Awaitable[Any]] | None:
    """The push service's own start, when it is installed and importable."""
    try:
        from payrisk_push.app import start
    except ImportError:
        return None
    return start


class RecordingPush(push_pb2_grpc.PushServiceServicer):
    def __init__(self) -> None:
        self.received: dict[str, push_pb2.Notification] = {}

    async def Notify(self, request: Any, context: Any) -> push_pb2.NotifyResponse:
        response = push_pb2.NotifyResponse()
        for n in request.notifications:
            if n.notification_id in self.received:
                response.duplicates += 1
            else:
                self.received[n.notification_id] = n
                response.accepted += 1
        return response


@dataclass
class PushServer:
    address: str
    # The notices for a merchant, as a terminal of it would see them.
    notices: Any = field(default=None)


@asynccontextmanager
async def push_server(data_dir: Path, port: int = 0) -> AsyncIterator[PushServer]:
    start = _real_push()
    if start is not None:
        from payrisk_push.settings import PushSettings

        app = await start(
            PushSettings(database_url=f"sqlite:///{data_dir / 'push.db'}", port=port, data_dir=data_dir)
        )

        async def pending(merchant_id: str) -> list[push_pb2.Notification]:
            async with grpc.aio.insecure_channel(app.address) as channel:
                stream = push_pb2_grpc.PushServiceStub(channel).StreamNotifications(
                    push_pb2.StreamNotificationsRequest(terminal_id="t-test", merchant_id=merchant_id)
                )
                notices = []
                try:
                    async with asyncio.timeout(1.0):
                        async for message in stream:
                            notices.append(message.notification)
                except TimeoutError:
                    pass
                stream.cancel()
                return notices

        try:
            yield PushServer(app.address, pending)
        finally:
            await app.stop()
        return
    recording = RecordingPush()
    server = grpc.aio.server()
    push_pb2_grpc.add_PushServiceServicer_to_server(recording, server)
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()

    async def received(merchant_id: str) -> list[push_pb2.Notification]:
        return [n for n in recording.received.values() if n.merchant_id == merchant_id]

    try:
        yield PushServer(f"127.0.0.1:{bound}", received)
    finally:
        await server.stop(0)
