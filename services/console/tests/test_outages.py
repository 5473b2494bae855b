"""A service that is down: the page says which one, with a 503 when the page cannot be shown without it and an
inline notice when only a part of it is missing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from console_client import ANALYST, console_settings, free_port, running_console, sign_in
from console_data import SHELL


@pytest.fixture
async def without(system, tmp_path) -> AsyncIterator:
    """A console whose named service points at a port nobody listens on."""

    async def started(service: str) -> AsyncIterator[httpx.AsyncClient]:
        addresses = {**system.addresses, service: f"127.0.0.1:{free_port()}"}
        settings = console_settings(tmp_path, addresses, call_deadline_seconds=2.0)
        async with running_console(settings) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
            assert (await sign_in(client, ANALYST)).status_code == 303
            yield client

    return started


async def test_without_risk_the_merchant_page_shows_what_it_can_and_names_risk(without):
    async for client in without("risk"):
        page = await client.get(f"/merchants/{SHELL}")
        assert page.status_code == 200
        assert 'data-service="risk"' in page.text
        assert "The risk service did not answer" in page.text
        assert "Freezes" in page.text  # the ledger's part is still there
        models = await client.get("/models")
        assert models.status_code == 503
        assert "The risk service is not answering" in models.text


async def test_without_ingest_the_queue_is_a_503_naming_ingest(without):
    async for client in without("ingest"):
        page = await client.get("/queue")
        assert page.status_code == 503
        assert 'data-service="ingest"' in page.text
        assert "Traceback" not in page.text
        as_json = await client.get("/live.json")
        assert as_json.status_code == 200


async def test_without_the_ledger_a_receipt_cannot_be_verified_and_the_page_says_why(without, system):
    async for client in without("ledger"):
        page = await client.get(f"/transactions/{system.world.flagged[0]}/verify")
        assert page.status_code == 200
        assert "Could not verify" in page.text
        assert 'data-service="ledger"' in page.text
