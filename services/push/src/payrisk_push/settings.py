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
    # How often newly synced offline bills are mined.
    mining_interval_seconds: float = Field(default=60.0, gt=0)
    topics: int = Field(default=12, ge=2, le=200)
    # How many terminals' notices may wait in memory for a slow stream before it is dropped (it reconnects).
    stream_queue_size: int = Field(default=1000, gt=0)
