"""Assembles the push service from its settings."""

from __future__ import annotations

import asyncio
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

from .access import RULES, IngestTerminals
from .dismissals import Dismissals
from .mining.miner import Miner
from .mining.source import IngestBills
from .mining.state import MiningState
from .notifications.attempts import AttemptLog
from .notifications.hub import DeliveryHub
from .notifications.notifier import Notifier
from .notifications.store import NotificationStore
from .recommend import Recommender
from .servicer import PushServicer
from .settings import PushSettings
from .subscriptions import Subscriptions

SERVICE_NAME = push_pb2.DESCRIPTOR.services_by_name["PushService"].full_name
MIGRATIONS = Path(__file__).parent / "migrations"
logger = logging.getLogger("payrisk.push")
# How often the ids with subscriptions or dismissals are read again (others' writes show up within this).
KNOWN_IDS_SECONDS = 30.0


class PushApp(ServiceApp):
    def __init__(
        self, server: GrpcServer, engine: Engine, grace: float, miner: Miner, hub: DeliveryHub
    ) -> None:
        super().__init__(server, engine, grace)
        self.miner = miner
        self.hub = hub


async def start(settings: PushSettings) -> PushApp:
    engine = create_db_engine(settings.resolved_database_url("push"))
    migrate(engine, MIGRATIONS)
    channel = open_channel(settings.ingest_address, settings.tls()) if settings.ingest_address else None
    terminals = IngestTerminals(ingest_pb2_grpc.IngestServiceStub(channel)) if channel is not None else None
    source = IngestBills(channel, settings.mining_page_size) if channel is not None else None
    # Loading a big saved model takes a moment: not on the event loop.
    miner = await asyncio.to_thread(
        Miner, MiningState(engine), source, settings.topics, settings.mining_save_every
    )
    store = NotificationStore(engine)
    attempts = AttemptLog(store)
    hub = DeliveryHub(settings.stream_queue_size)
    notifier = Notifier(store, hub, attempts, settings.redelivery_seconds)
    subscriptions, dismissals = Subscriptions(engine), Dismissals(engine)
    servicer = PushServicer(
        subscriptions, Recommender(miner, subscriptions, dismissals), notifier, miner, dismissals, terminals
    )
    server = GrpcServer(
        [Registration(SERVICE_NAME, lambda s: push_pb2_grpc.add_PushServiceServicer_to_server(servicer, s))],
        host=settings.host,
        port=settings.port,
        max_message_bytes=settings.max_message_bytes,
        tls=settings.tls(),
        access=RULES,
    )
    app = PushApp(server, engine, settings.shutdown_grace_seconds, miner, hub)
    # After the server has stopped: the last delivery counts, then the channel to ingest.
    app.on_stop(attempts.flush)
    if channel is not None:
        app.on_stop(partial(channel.close, None))
    await app.start()
    app.spawn(attempts.run())
    app.spawn(_keep_known_fresh(subscriptions, dismissals))
    if source is not None:
        app.spawn(miner.run(settings.mining_interval_seconds))
    if settings.endpoints_file:
        record_endpoint(settings.endpoints_file, "push", app.address)
    logger.info("push listening on %s", app.address)
    return app


async def _keep_known_fresh(subscriptions: Subscriptions, dismissals: Dismissals) -> None:
    """Which terminals and users have subscriptions or dismissals at all, read now and then: a push request
    from anyone else (most of them) needs no database."""
    while True:
        for load in (subscriptions.load_known, dismissals.load_known):
            try:
                await asyncio.to_thread(load)
            except Exception:
                logger.exception("reading subscribers failed; will retry")
        await asyncio.sleep(KNOWN_IDS_SECONDS)
