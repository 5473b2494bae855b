"""Mutual TLS between payrisk services and for terminals, from certificate files (see `make certs`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """PEM files: this party's certificate and key, and the CA that signs everyone it talks to."""

    cert: Path
    key: Path
    ca: Path

    def server_credentials(self) -> grpc.ServerCredentials:
        # Clients must present a certificate from our CA: that certificate is who they are.
        return grpc.ssl_server_credentials(
            [(self.key.read_bytes(), self.cert.read_bytes())],
            root_certificates=self.ca.read_bytes(),
            require_client_auth=True,
        )

    def channel_credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca.read_bytes(),
            private_key=self.key.read_bytes(),
            certificate_chain=self.cert.read_bytes(),
        )


def tls_files(cert: Path | None, key: Path | None, ca: Path | None) -> TlsFiles | None:
    """All three or none; anything in between is a configuration mistake worth failing on."""
    given = [p for p in (cert, key, ca) if p is not None]
    if not given:
        return None
    if cert is None or key is None or ca is None:
        raise ValueError("TLS needs a certificate, its key and the CA certificate together")
    for path in (cert, key, ca):
        if not path.is_file():
            raise ValueError(f"TLS file {path} does not exist")
    return TlsFiles(cert, key, ca)
