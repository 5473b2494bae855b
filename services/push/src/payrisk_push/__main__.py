"""`python -m payrisk_push`: run the push service until SIGINT/SIGTERM."""

from __future__ import annotations

from payrisk_runtime import run_service

from .app import start
from .settings import PushSettings


def main() -> None:
    run_service("push", PushSettings(), start)


if __name__ == "__main__":
    main()
