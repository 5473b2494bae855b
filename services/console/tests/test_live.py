"""The live view counts new decisions by outcome as ingest takes them and shows the ledger's commit latency."""

from __future__ import annotations

import asyncio

import httpx
from console_client import ANALYST, console_settings, free_port, running_console, sign_in
from console_data import GOOD
from payrisk.ingest.v1 import ingest_pb2
from payrisk_runtime import serve_metrics
from risk_factories import NOW, transaction


async def test_new_decisions_and_commit_latency_appear_without_a_reload(system, tmp_path):
    # The ledger runs in this process, so its RPC metrics are served from here.
    metrics_port = free_port()
    serve_metrics(metrics_port)
    settings = console_settings(
        tmp_path, system.addresses, ledger_metrics_url=f"http://127.0.0.1:{metrics_port}/metrics",
        live_interval_seconds=0.2,
    )  # fmt: skip
    async with running_console(settings) as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        assert (await sign_in(client, ANALYST)).status_code == 303
        page = await client.get("/live")
        assert page.status_code == 200
        assert 'data-refresh="/live/panel"' in page.text
        await asyncio.sleep(0.5)  # the monitor starts from the newest transaction: history is not live
        fresh = [
            transaction(i, transaction_id=f"live-{i}", merchant_id=GOOD, occurred_at=NOW + i)
            for i in range(25)
        ]
        async for response in system.ingest.IngestTransactions(
            iter([ingest_pb2.IngestTransactionsRequest(batch_id="live-1", transactions=fresh)])
        ):
            assert response.accepted == len(fresh)
        deadline = asyncio.get_running_loop().time() + 15
        while True:
            live = (await client.get("/live.json")).json()
            counted = sum(sum(series) for series in live["decisions"].values())
            latency = live["ledger"]["commit_latency_ms"]
            if counted >= len(fresh) and latency is not None:
                break
            assert asyncio.get_running_loop().time() < deadline, live
            await asyncio.sleep(0.3)
        assert counted == len(fresh)
        assert sum(live["decisions"]["approve"]) == len(fresh)
        assert latency > 0
        assert live["ledger"]["backend"] == "embedded"
        panel = await client.get("/live/panel", headers={"X-Console-Fragment": "1"})
        assert "Decisions per second by outcome" in panel.text
        assert "Ledger commit latency" in panel.text
        assert "<html" not in panel.text
