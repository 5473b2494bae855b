"""The ledger service's settings (environment variables prefixed PAYRISK_LEDGER_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from payrisk_runtime import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class LedgerSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYRISK_LEDGER_", extra="ignore")

    port: int = Field(default=50054, ge=0, le=65535)
    # "fabric": a Hyperledger Fabric network through its Gateway; "embedded": a local signed log.
    backend: Literal["embedded", "fabric"] = "embedded"
    # Written by `make fabric-up`: peers, TLS roots, the client identity, channel and chaincode.
    fabric_network_file: Path = Path(".payrisk/fabric/network.json")
    # The embedded ledger's Ed25519 signing key; created on first start when missing.
    embedded_key_file: Path | None = None
    # How often anchors the ledger has not confirmed are retried.
    outbox_retry_seconds: float = Field(default=2.0, gt=0)
    # Most records one AnchorRecords call may carry.
    max_records_per_anchor: int = Field(default=100_000, gt=0)

    def key_file(self) -> Path:
        return self.embedded_key_file or self.data_dir / "ledger-embedded.key"
