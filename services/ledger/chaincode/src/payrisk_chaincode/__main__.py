"""`python -m payrisk_chaincode`: the chaincode service (CHAINCODE_ID, CHAINCODE_SERVER_ADDRESS)."""

from __future__ import annotations

import asyncio
import logging
import os

from .server import Settings, serve


def configure_logging() -> None:
    level = os.environ.get("PAYRISK_CHAINCODE_LOG_LEVEL", "INFO").upper()
    # Importing fabric_chaincode_python sets the root logger to DEBUG, and its shim logs through the
    # "asyncio" logger at INFO and WARNING for every message it exchanges with a peer.
    logging.getLogger().setLevel(level)
    logging.getLogger("asyncio").setLevel(logging.ERROR)


def main() -> None:
    configure_logging()
    asyncio.run(serve(Settings.from_env()))


if __name__ == "__main__":
    main()
