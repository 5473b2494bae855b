"""Ingest scoring through the real risk service: both servers real, on loopback ports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk_ingest.app import start as start_ingest
from payrisk_ingest.settings import IngestSettings
from risk_factories import transaction


@pytest.fixture
async def scoring_ingest(tmp_path: Path, risk_app) -> AsyncIterator[ingest_pb2_grpc.IngestServiceStub]:
    app = await start_ingest(
        IngestSettings(
            database_url=f"sqlite:///{tmp_path / 'ingest.db'}",
            port=0,
            data_dir=tmp_path / "ingest",
            risk_address=risk_app.address,
            scoring_deadline_seconds=5.0,
        )
    )
    async with grpc.aio.insecure_channel(app.address) as channel:
        yield ingest_pb2_grpc.IngestServiceStub(channel)
    await app.stop()


async def test_ingested_batches_come_back_decided_by_the_active_model(scoring_ingest, risk_app):
    requests = [
        ingest_pb2.IngestTransactionsRequest(
            batch_id=f"b{b}", transactions=[transaction(b * 10 + i) for i in range(10)]
        )
        for b in range(3)
    ]
    responses = [r async for r in scoring_ingest.IngestTransactions(iter(requests))]
    version = risk_app.lifecycle.active_version
    for request, response in zip(requests, responses, strict=True):
        assert response.scoring_state == ingest_pb2.SCORING_STATE_SCORED
        assert response.accepted == 10
        assert [d.transaction_id for d in response.decisions] == [
            t.transaction_id for t in request.transactions
        ]
        assert {d.model_version for d in response.decisions} == {version}
    stored = await scoring_ingest.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id="tx-12"))
    assert stored.record.scoring_state == ingest_pb2.SCORING_STATE_SCORED
    assert stored.record.decision.model_version == version
    assert stored.record.decision.outcome != common_pb2.OUTCOME_UNSPECIFIED


async def test_replaying_the_stream_changes_neither_ingest_nor_risk_state(scoring_ingest, risk_app):
    request = ingest_pb2.IngestTransactionsRequest(
        transactions=[transaction(i, card_id="card-r") for i in range(5)]
    )
    [first] = [r async for r in scoring_ingest.IngestTransactions(iter([request]))]
    [second] = [r async for r in scoring_ingest.IngestTransactions(iter([request]))]
    assert (first.accepted, second.duplicates) == (5, 5)
    from payrisk_risk.features import columns_from_transactions

    sums, _ = risk_app.scorer.state.observe(columns_from_transactions([transaction(99, card_id="card-r")]))
    assert sums["card_count_30d"][0] == 5.0
