"""`python -m payrisk_ingest`: run the ingest service until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio

from payrisk_runtime import configure_logging, configure_tracing, serve_metrics, serve_until_signalled

from .app import start
from .settings import IngestSettings


async def _run(settings: IngestSettings) -> None:
    app = await start(settings)
    try:
        await serve_until_signalled(app.server, settings.shutdown_grace_seconds)
    finally:
        await app.stop()


def main() -> None:
    settings = IngestSettings()
    configure_logging("ingest", settings.log_level, settings.log_format)
    configure_tracing("payrisk-ingest")
    serve_metrics(settings.metrics_port, settings.host)
    asyncio.run(_run(settings))


if __name__ == "__main__":
    main()
