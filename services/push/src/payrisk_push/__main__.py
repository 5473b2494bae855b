"""`python -m payrisk_push`: run the push service until SIGINT/SIGTERM."""

from __future__ import annotations

from payrisk_runtime import run_service

from . import collector
from .app import PushApp, start
from .settings import PushSettings


async def _start(settings: PushSettings) -> PushApp:
    app = await start(settings)
    collector.settle()
    return app


def main() -> None:
    run_service("push", PushSettings(), _start)


if __name__ == "__main__":
    main()
