"""Assembles the push service from its settings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk_runtime import GrpcServer, Registration, create_db_engine, migrate, open_channel, record_endpoint
from sqlalchemy import Engine

from .dismissals import Dismissals
from .mining.miner import Miner
from .notifications import DeliveryHub, NotificationStore, Notifier
from .servicer import PushServicer
from .settings import PushSettings
from .subscriptions import Subscriptions

SERVICE_NAME = push_pb2.DESCRIPTOR.services_by_name["PushService"].full_name
MIGRATIONS = Path(__file__).parent / "migrations"
logger = logging.getLogger("payrisk.push")


@dataclass
class PushApp:
    settings: PushSettings
    engine: Engine
    server: GrpcServer
    miner: Miner
    address: str = ""
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _channels: list[grpc.aio.Channel] = field(default_factory=list)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.server.stop(self.settings.shutdown_grace_seconds)
        for channel in self._channels:
            await channel.close(None)
        self.engine.dispose()


async def start(settings: PushSettings) -> PushApp:
    engine = create_db_engine(settings.resolved_database_url("push"))
    migrate(engine, MIGRATIONS)
    channels = []
    ingest = None
    if settings.ingest_address:
        channel = open_channel(settings.ingest_address, settings.tls())
        channels.append(channel)
        ingest = ingest_pb2_grpc.IngestServiceStub(channel)
    miner = Miner(engine, ingest, settings.topics)
    notifier = Notifier(NotificationStore(engine), DeliveryHub(settings.stream_queue_size))
    servicer = PushServicer(Subscriptions(engine), notifier, miner, Dismissals(engine))
    server = GrpcServer(
        [Registration(SERVICE_NAME, lambda s: push_pb2_grpc.add_PushServiceServicer_to_server(servicer, s))],
        host=settings.host,
        port=settings.port,
        max_message_bytes=settings.max_message_bytes,
        tls=settings.tls(),
    )
    app = PushApp(settings, engine, server, miner, _channels=channels)
    app.address = await server.start()
    if ingest is not None:
        app._tasks.append(asyncio.create_task(miner.run(settings.mining_interval_seconds)))
    if settings.endpoints_file:
        record_endpoint(settings.endpoints_file, "push", app.address)
    logger.info("push listening on %s", app.address)
    return app
