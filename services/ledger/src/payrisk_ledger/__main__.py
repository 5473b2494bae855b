"""`python -m payrisk_ledger`: run the ledger service until SIGINT/SIGTERM."""

from __future__ import annotations

from payrisk_runtime import run_service

from .app import start
from .settings import LedgerSettings


def main() -> None:
    run_service("ledger", LedgerSettings(), start)


if __name__ == "__main__":
    main()
