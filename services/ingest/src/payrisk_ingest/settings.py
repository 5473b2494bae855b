"""Ingest's settings (environment variables prefixed PAYRISK_INGEST_)."""

from __future__ import annotations

from payrisk_runtime import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class IngestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYRISK_INGEST_", extra="ignore")

    port: int = Field(default=50051, ge=0, le=65535)
    # Address of the risk service; scoring at ingestion is off when empty.
    risk_address: str = ""
    # How long a batch waits for its decisions before it is stored unscored.
    scoring_deadline_seconds: float = Field(default=2.0, gt=0)
    # How often transactions left unscored are retried.
    rescore_interval_seconds: float = Field(default=10.0, gt=0)
    max_batch_size: int = Field(default=10_000, gt=0)
    # Address of the ledger service; decisions are anchored on it when set.
    ledger_address: str = ""
    # Decisions per ledger anchor (one Merkle root, one ledger transaction), and how often new ones are looked for.
    anchor_batch_size: int = Field(default=1000, gt=0, le=10_000)
    anchor_interval_seconds: float = Field(default=1.0, gt=0)
    # How long one anchoring call may take (a Fabric commit is a few hundred milliseconds).
    anchor_deadline_seconds: float = Field(default=30.0, gt=0)
