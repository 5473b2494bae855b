"""`python -m payrisk_risk`: run the risk service until SIGINT/SIGTERM."""

from __future__ import annotations

from payrisk_runtime import run_service

from .app import start
from .settings import RiskSettings


def main() -> None:
    run_service("risk", RiskSettings(), start)


if __name__ == "__main__":
    main()
