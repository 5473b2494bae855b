"""The push service's settings (environment variables prefixed PAYRISK_PUSH_)."""

from __future__ import annotations

from payrisk_runtime import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class PushSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYRISK_PUSH_", extra="ignore")

    port: int = Field(default=50053, ge=0, le=65535)
    # Where offline bills are mined from; mining is off when empty.
    ingest_address: str = ""
    # How often newly synced offline bills are mined (MineBills mines at once).
    mining_interval_seconds: float = Field(default=60.0, gt=0)
    # Bills per page of ingest's export (ingest serves at most 10,000).
    mining_page_size: int = Field(default=10_000, gt=0, le=10_000)
    # During a long run, the model is saved (and requests see it) every this many bills.
    mining_save_every: int = Field(default=200_000, gt=0)
    # Topics of the topic model. Changing it needs a fresh model (an empty mining_state table).
    topics: int = Field(default=16, ge=2, le=200)
    # How many new notices may wait in memory for a slow stream before it reads what it owes from the store.
    stream_queue_size: int = Field(default=1000, gt=0)
    # A connected terminal is sent again what it has not acknowledged after this long.
    redelivery_seconds: float = Field(default=60.0, gt=0)
