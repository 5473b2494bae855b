"""`python -m payrisk_console`: serve the console. `python -m payrisk_console hash-password` prints an scrypt
hash of a password read from standard input, for PAYRISK_CONSOLE_OPERATOR_PASSWORD_FILE or the accounts file."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import sys

from payrisk_runtime import configure_logging, configure_tracing, serve_metrics

from .app import build_app
from .auth.passwords import hash_password
from .server import ConsoleServer
from .settings import ConsoleSettings


def _hash_password() -> None:
    password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if not password:
        raise SystemExit("no password given")
    print(hash_password(password))


def main() -> None:
    if sys.argv[1:] == ["hash-password"]:
        _hash_password()
        return
    settings = ConsoleSettings()
    configure_logging("console", settings.log_level, settings.log_format)
    configure_tracing("payrisk-console")
    serve_metrics(settings.metrics_port, settings.host)
    if settings.tls() is None:
        # Said loudly, as every payrisk service does: plaintext calls are for development only.
        logging.getLogger("payrisk.console").warning("calling the services without TLS: for development only")
    server = ConsoleServer(build_app(settings), settings)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve_until_stopped())


if __name__ == "__main__":
    main()
