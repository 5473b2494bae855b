"""Typed settings shared by every service; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ._tls import TlsFiles, tls_files


class ServiceSettings(BaseSettings):
    """What every payrisk server needs. Override with ``PAYRISK_<SERVICE>_<FIELD>`` variables."""

    model_config = SettingsConfigDict(env_prefix="PAYRISK_", extra="ignore")

    host: str = "127.0.0.1"
    # 0 picks a free port; the bound address is logged and written to `endpoints_file`.
    port: int = Field(default=0, ge=0, le=65535)
    data_dir: Path = Path(".payrisk/data")
    # SQLAlchemy URL; an SQLite file in `data_dir` when empty.
    database_url: str = ""
    log_level: str = "INFO"
    log_format: str = Field(default="json", pattern="^(json|text)$")
    # Largest request or response message accepted, in bytes.
    max_message_bytes: int = Field(default=16 * 1024 * 1024, gt=0)
    # Seconds in-flight calls get to finish on shutdown.
    shutdown_grace_seconds: float = Field(default=5.0, ge=0)
    # Port of the Prometheus /metrics endpoint; 0 serves none.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    # Mutual TLS: this service's certificate and key and the CA of everyone it talks to (`make certs`).
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_ca_file: Path | None = None
    # Serve and call in plaintext when no TLS files are given: for development and tests only, and only when
    # asked for, so that a deployment that forgot its certificates fails at start instead of running open.
    plaintext: bool = False
    # A plaintext port that serves only the gRPC health service, on `host`, for probes that cannot present a
    # client certificate (Kubernetes' native gRPC probes); 0 serves none.
    health_port: int = Field(default=0, ge=0, le=65535)
    # When set, the server records its bound address here under its service name.
    endpoints_file: Path | None = None

    def sqlite_path(self, service: str) -> Path:
        return self.data_dir / f"{service}.db"

    def resolved_database_url(self, service: str) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.sqlite_path(service)}"

    def tls(self) -> TlsFiles | None:
        """The TLS files, or None when plaintext was asked for; a ValueError when neither is configured."""
        files = tls_files(self.tls_cert_file, self.tls_key_file, self.tls_ca_file)
        if files is None and not self.plaintext:
            prefix = self.model_config.get("env_prefix", "PAYRISK_")
            raise ValueError(
                f"no TLS certificates: set {prefix}TLS_CERT_FILE, {prefix}TLS_KEY_FILE and {prefix}TLS_CA_FILE "
                f"(`make certs` makes them), or {prefix}PLAINTEXT=true to run without TLS for development"
            )
        return files
