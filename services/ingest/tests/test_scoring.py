"""Scoring at ingestion: decisions come back on the stream; when risk is away nothing is lost."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest
from ingest_factories import transaction
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk_ingest.app import start
from payrisk_ingest.settings import IngestSettings

pytestmark = pytest.mark.slow


async def started_ingest(tmp_path: Path, risk_address: str):
    settings = IngestSettings(
        database_url=f"sqlite:///{tmp_path / 'ingest.db'}",
        port=0,
        data_dir=tmp_path,
        risk_address=risk_address,
        scoring_deadline_seconds=0.5,
        rescore_interval_seconds=0.2,
    )
    app = await start(settings)
    channel = grpc.aio.insecure_channel(app.address)
    return app, channel, ingest_pb2_grpc.IngestServiceStub(channel)


async def ingest_one_batch(stub, transactions):
    [response] = [
        r
        async for r in stub.IngestTransactions(
            iter([ingest_pb2.IngestTransactionsRequest(transactions=transactions)])
        )
    ]
    return response


async def test_decisions_come_back_on_the_stream_and_are_stored(tmp_path, risk):
    _, address, _ = risk
    app, channel, stub = await started_ingest(tmp_path, address)
    try:
        response = await ingest_one_batch(
            stub,
            [transaction(1, amount=common_pb2.Money(currency_code="CNY", minor_units=9000)), transaction(2)],
        )
        assert response.scoring_state == ingest_pb2.SCORING_STATE_SCORED
        assert [(d.transaction_id, d.outcome) for d in response.decisions] == [
            ("tx-1", common_pb2.OUTCOME_DECLINE),
            ("tx-2", common_pb2.OUTCOME_APPROVE),
        ]
        stored = await stub.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id="tx-1"))
        assert stored.record.decision.model_version == "rule-1"
    finally:
        await channel.close()
        await app.stop()


async def test_with_risk_down_transactions_are_kept_unscored_and_scored_once_it_is_back(tmp_path, risk):
    servicer, address, _ = risk
    servicer.hang.set()  # risk accepts the call but never answers: the deadline must cut it
    app, channel, stub = await started_ingest(tmp_path, address)
    try:
        response = await ingest_one_batch(stub, [transaction(n) for n in range(5)])
        assert (response.accepted, response.scoring_state) == (5, ingest_pb2.SCORING_STATE_UNSCORED)
        record = (await stub.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id="tx-3"))).record
        assert record.scoring_state == ingest_pb2.SCORING_STATE_UNSCORED

        servicer.hang.clear()
        for _ in range(100):
            record = (
                await stub.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id="tx-3"))
            ).record
            if record.scoring_state == ingest_pb2.SCORING_STATE_SCORED:
                break
            await asyncio.sleep(0.1)
        assert record.scoring_state == ingest_pb2.SCORING_STATE_SCORED
        assert record.decision.outcome == common_pb2.OUTCOME_APPROVE
    finally:
        await channel.close()
        await app.stop()


async def test_with_nothing_listening_at_the_risk_address_ingestion_still_succeeds(tmp_path):
    app, channel, stub = await started_ingest(tmp_path, "127.0.0.1:1")
    try:
        response = await ingest_one_batch(stub, [transaction(1)])
        assert (response.accepted, response.scoring_state) == (1, ingest_pb2.SCORING_STATE_UNSCORED)
    finally:
        await channel.close()
        await app.stop()
