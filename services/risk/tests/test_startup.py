"""What risk does at start: a first model trained on generated data when it has none, and the feature state
warmed up from ingest's recent transactions."""

from __future__ import annotations

import asyncio

import pytest
from payrisk.ingest.v1 import ingest_pb2
from payrisk_risk.app import start
from payrisk_risk.features import columns_from_transactions
from risk_factories import NOW, risk_settings_for, transaction


@pytest.mark.slow
async def test_with_no_model_one_is_trained_on_generated_data_and_activated(tmp_path):
    app = await start(
        risk_settings_for(tmp_path, bootstrap_model=True, bootstrap_transactions=8_000, trees=20)
    )
    try:
        assert app.lifecycle.active_version is None  # the server is up at once; the model follows
        for _ in range(600):
            if app.lifecycle.active_version:
                break
            await asyncio.sleep(0.1)
        assert app.lifecycle.active_version
        [meta] = app.lifecycle.registry.versions()
        assert meta.metrics["roc_auc"] > 0.8
    finally:
        await app.stop()


async def test_the_feature_state_is_warmed_up_from_ingest(risk_with, ingest_app, ingest):
    txs = [transaction(n, card_id="card-w", occurred_at=NOW - 3600 * n) for n in range(12)]
    txs.append(transaction(99, card_id="card-w", occurred_at=NOW - 40 * 86_400))  # older than the warm-up
    request = ingest_pb2.IngestTransactionsRequest(transactions=txs)
    [response] = [r async for r in ingest.IngestTransactions(iter([request]))]
    assert response.accepted == len(txs)
    app = await start(risk_with(ingest_address=ingest_app.address, warm_up_days=30))
    try:
        await asyncio.wait_for(app.warmed_up.wait(), 10)
        probe = columns_from_transactions([transaction(500, card_id="card-w", occurred_at=NOW)])
        sums, _ = app.scorer.state.observe(probe)
        assert sums["card_count_30d"][0] == 12
    finally:
        await app.stop()
