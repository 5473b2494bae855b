"""`python -m payrisk_ingest`: run the ingest service until SIGINT/SIGTERM."""

from __future__ import annotations

from payrisk_runtime import run_service

from .app import start
from .settings import IngestSettings


def main() -> None:
    run_service("ingest", IngestSettings(), start)


if __name__ == "__main__":
    main()
