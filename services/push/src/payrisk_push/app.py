"""Assembles the push service from its settings."""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk_runtime import (
    GrpcServer,
    Registration,
    ServiceApp,
    create_db_engine,
    migrate,
    open_channel,
    record_endpoint,
)
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


class PushApp(ServiceApp):
    def __init__(self, server: GrpcServer, engine: Engine, grace: float, miner: Miner) -> None:
        super().__init__(server, engine, grace)
        self.miner = miner


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
    app = PushApp(server, engine, settings.shutdown_grace_seconds, miner)
    for channel in channels:
        app.on_stop(partial(channel.close, None))
    await app.start()
    if ingest is not None:
        app.spawn(miner.run(settings.mining_interval_seconds))
    if settings.endpoints_file:
        record_endpoint(settings.endpoints_file, "push", app.address)
    logger.info("push listening on %s", app.address)
    return app
