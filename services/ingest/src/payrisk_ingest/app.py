"""Assembles the ingest service from its settings: engine, store, scorer, servicer, server."""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2_grpc
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

from .access import RULES
from .anchoring import DecisionAnchorer
from .ingestion import TransactionIngestor
from .offline import BillSync
from .scoring import NoScorer, RiskScorer, Scorer, UnscoredSweeper
from .servicer import IngestServicer
from .settings import IngestSettings
from .store import IngestStore

SERVICE_NAME = ingest_pb2.DESCRIPTOR.services_by_name["IngestService"].full_name
MIGRATIONS = Path(__file__).parent / "migrations"
logger = logging.getLogger("payrisk.ingest")


class IngestApp(ServiceApp):
    pass


def open_store(settings: IngestSettings) -> tuple[Engine, IngestStore]:
    engine = create_db_engine(settings.resolved_database_url("ingest"))
    migrate(engine, MIGRATIONS)
    return engine, IngestStore(engine)


async def start(settings: IngestSettings) -> IngestApp:
    engine, store = open_store(settings)
    scorer: Scorer = NoScorer()
    channels = []
    if settings.risk_address:
        channel = open_channel(settings.risk_address, settings.tls())
        channels.append(channel)
        scorer = RiskScorer(channel, settings.scoring_deadline_seconds)
    anchorer = None
    if settings.ledger_address:
        ledger_channel = open_channel(settings.ledger_address, settings.tls())
        channels.append(ledger_channel)
        anchorer = DecisionAnchorer(
            store.anchors,
            ledger_pb2_grpc.LedgerServiceStub(ledger_channel),
            batch_size=settings.anchor_batch_size,
            interval_seconds=settings.anchor_interval_seconds,
            deadline_seconds=settings.anchor_deadline_seconds,
        )
    servicer = IngestServicer(
        store,
        TransactionIngestor(store.transactions, scorer, settings.max_batch_size),
        BillSync(store, scorer.state_when_skipped),
    )
    server = GrpcServer(
        [
            Registration(
                SERVICE_NAME, lambda s: ingest_pb2_grpc.add_IngestServiceServicer_to_server(servicer, s)
            )
        ],
        host=settings.host,
        port=settings.port,
        max_message_bytes=settings.max_message_bytes,
        tls=settings.tls(),
        access=RULES,
    )
    app = IngestApp(server, engine, settings.shutdown_grace_seconds)
    for channel in channels:
        app.on_stop(partial(channel.close, None))
    await app.start()
    if settings.risk_address:
        app.spawn(
            UnscoredSweeper(
                store.transactions,
                scorer,
                settings.rescore_interval_seconds,
                grace_seconds=settings.scoring_deadline_seconds + 1.0,
            ).run()
        )
    if anchorer is not None:
        app.spawn(anchorer.run())
    if settings.endpoints_file:
        record_endpoint(settings.endpoints_file, "ingest", app.address)
    logger.info("ingest listening on %s", app.address)
    return app
