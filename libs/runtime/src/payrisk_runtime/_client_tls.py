"""Which certificate a command-line client (the `payrisk` command, the importer, the demo) presents.

In order: none when `PAYRISK_CLIENT_PLAINTEXT=true`; `PAYRISK_CLIENT_TLS_CERT_FILE`, `_KEY_FILE` and
`_CA_FILE`; the client identity that `make run` / `make up` wrote down when it started the services with mutual
TLS (`.payrisk/client-tls.json`); else none, for services running in plaintext.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import grpc

from ._tls import TlsFiles, tls_files

CLIENT_TLS_FILE = Path(".payrisk/client-tls.json")


def write_client_tls(files: TlsFiles, path: Path = CLIENT_TLS_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"cert": str(files.cert), "key": str(files.key), "ca": str(files.ca)}, indent=2)
    )


def client_tls(path: Path = CLIENT_TLS_FILE) -> TlsFiles | None:
    def env(name: str) -> Path | None:
        value = os.environ.get(f"PAYRISK_CLIENT_TLS_{name}_FILE")
        return Path(value) if value else None

    if os.environ.get("PAYRISK_CLIENT_PLAINTEXT", "").lower() in ("1", "true", "yes"):
        return None
    configured = tls_files(env("CERT"), env("KEY"), env("CA"))
    if configured is not None:
        return configured
    if path.is_file():
        recorded = json.loads(path.read_text())
        return tls_files(Path(recorded["cert"]), Path(recorded["key"]), Path(recorded["ca"]))
    return None


def blocking_channel(address: str, tls: TlsFiles | None = None) -> grpc.Channel:
    """A plain (not asyncio) channel, over mutual TLS when `tls` is given."""
    if tls is None:
        return grpc.insecure_channel(address)
    return grpc.secure_channel(address, tls.channel_credentials())
