"""A service without certificates refuses to start unless plaintext was asked for."""

from __future__ import annotations

from pathlib import Path

import pytest
from payrisk_ingest.app import start
from payrisk_ingest.settings import IngestSettings


async def test_without_certificates_or_an_explicit_plaintext_a_service_does_not_start(
    tmp_path: Path, monkeypatch
):
    monkeypatch.delenv("PAYRISK_INGEST_PLAINTEXT", raising=False)
    settings = IngestSettings(database_url=f"sqlite:///{tmp_path / 'i.db'}", port=0, data_dir=tmp_path)
    with pytest.raises(ValueError, match="PAYRISK_INGEST_PLAINTEXT=true"):
        await start(settings)


async def test_plaintext_asked_for_serves(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PAYRISK_INGEST_PLAINTEXT", "true")
    app = await start(
        IngestSettings(database_url=f"sqlite:///{tmp_path / 'i.db'}", port=0, data_dir=tmp_path)
    )
    try:
        assert app.address
    finally:
        await app.stop()
