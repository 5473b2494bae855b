"""Assembles the ledger service from its settings: store, backend, outbox, servicer, server."""

from __future__ import annotations

import logging
from pathlib import Path

from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk_runtime import GrpcServer, Registration, ServiceApp, create_db_engine, migrate, record_endpoint
from sqlalchemy import Engine

from .access import RULES
from .backend import LedgerBackend
from .embedded import EmbeddedLedger
from .embedded.chain import load_or_create_key
from .fabric import NetworkConfig
from .fabric.backend import FabricLedger
from .ledger import Ledger
from .outbox import AnchorOutbox
from .servicer import LedgerServicer
from .settings import LedgerSettings

SERVICE_NAME = ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"].full_name
MIGRATIONS = Path(__file__).parent / "migrations"
logger = logging.getLogger("payrisk.ledger")


class LedgerApp(ServiceApp):
    def __init__(
        self, server: GrpcServer, engine: Engine, grace: float, backend: LedgerBackend, outbox: AnchorOutbox
    ):
        super().__init__(server, engine, grace)
        self.backend = backend
        self.outbox = outbox
        self.on_stop(backend.close)


async def _fabric_backend(settings: LedgerSettings) -> LedgerBackend:
    path = settings.fabric_network_file
    if not path.is_file():
        raise SystemExit(
            f"the fabric backend needs a running Fabric network described by {path}; "
            "start one with `make fabric-up`, or use PAYRISK_LEDGER_BACKEND=embedded"
        )
    backend = FabricLedger(NetworkConfig.load(path))
    info = await backend.info()
    logger.info(
        "ledger on Fabric channel %s, height %d, peers %s", info.channel, info.height, ", ".join(info.peers)
    )
    return backend


async def start(settings: LedgerSettings) -> LedgerApp:
    engine = create_db_engine(settings.resolved_database_url("ledger"))
    migrate(engine, MIGRATIONS)
    backend: LedgerBackend
    if settings.backend == "fabric":
        backend = await _fabric_backend(settings)
        integrity_check = None
    else:
        embedded = EmbeddedLedger(engine, load_or_create_key(settings.key_file()))
        backend, integrity_check = embedded, embedded.verify
    outbox = AnchorOutbox(engine, backend)
    servicer = LedgerServicer(Ledger(backend, outbox, integrity_check), settings.max_records_per_anchor)
    server = GrpcServer(
        [
            Registration(
                SERVICE_NAME, lambda s: ledger_pb2_grpc.add_LedgerServiceServicer_to_server(servicer, s)
            )
        ],
        host=settings.host,
        port=settings.port,
        max_message_bytes=settings.max_message_bytes,
        tls=settings.tls(),
        access=RULES,
    )
    app = LedgerApp(server, engine, settings.shutdown_grace_seconds, backend, outbox)
    await app.start()
    app.spawn(outbox.run(settings.outbox_retry_seconds))
    if settings.endpoints_file:
        record_endpoint(settings.endpoints_file, "ledger", app.address)
    logger.info("ledger (%s backend) listening on %s", settings.backend, app.address)
    return app
