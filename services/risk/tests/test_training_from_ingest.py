"""TrainModel over gRPC: labelled transactions exported from the real ingest, a new version trained and active."""

from __future__ import annotations

import grpc
import pytest
from payrisk.ingest.v1 import ingest_pb2
from payrisk.risk.v1 import risk_pb2, risk_pb2_grpc
from payrisk_ingest.synthetic import GeneratorConfig, generate
from payrisk_risk.app import start
from payrisk_runtime import field_violations
from risk_factories import transaction

pytestmark = pytest.mark.slow


async def load(ingest, transactions: int) -> None:
    data = generate(GeneratorConfig(transactions=transactions, seed=13))
    for start_at in range(0, len(data.transactions), 2000):
        batch = data.transactions[start_at : start_at + 2000]
        request = ingest_pb2.IngestTransactionsRequest(transactions=batch)
        [response] = [r async for r in ingest.IngestTransactions(iter([request]))]
        assert response.accepted == len(batch), response.rejected[:3]
    for start_at in range(0, len(data.labels), 2000):
        labelled = await ingest.LabelTransactions(
            ingest_pb2.LabelTransactionsRequest(labels=data.labels[start_at : start_at + 2000])
        )
        assert not labelled.rejected


async def test_train_model_from_ingest_and_activate_it(risk_with, ingest_app, ingest):
    await load(ingest, 20_000)
    app = await start(risk_with(ingest_address=ingest_app.address, trees=40))
    try:
        async with grpc.aio.insecure_channel(app.address) as channel:
            risk = risk_pb2_grpc.RiskServiceStub(channel)
            before = app.lifecycle.active_version
            trained = (
                await risk.TrainModel(risk_pb2.TrainModelRequest(delay_days=7, test_days=14, activate=True))
            ).model
            assert trained.version != before
            assert trained.active
            m = trained.metrics
            assert m.train_rows + m.test_rows < 20_000  # the delay period is in neither
            assert m.test_fraud_rows > 0
            assert m.roc_auc > 0.9
            assert m.baseline_roc_auc > 0.5
            listed = await risk.ListModels(risk_pb2.ListModelsRequest())
            assert [(x.version, x.active) for x in listed.models] == [
                (trained.version, True),
                (before, False),
            ]
            decided = await risk.ScoreTransactions(
                risk_pb2.ScoreTransactionsRequest(transactions=[transaction(1)])
            )
            assert decided.decisions[0].model_version == trained.version

            kept = (await risk.TrainModel(risk_pb2.TrainModelRequest(activate=False))).model
            assert not kept.active
            assert app.lifecycle.active_version == trained.version
    finally:
        await app.stop()


async def test_train_model_refuses_bad_requests_and_too_little_data(risk_with, ingest_app, ingest):
    app = await start(risk_with(ingest_address=ingest_app.address))
    try:
        async with grpc.aio.insecure_channel(app.address) as channel:
            risk = risk_pb2_grpc.RiskServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await risk.TrainModel(risk_pb2.TrainModelRequest(delay_days=-1, test_days=500))
            assert {v.field for v in field_violations(caught.value)} == {"delay_days", "test_days"}
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await risk.TrainModel(risk_pb2.TrainModelRequest())
            assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert "no transactions" in caught.value.details()
    finally:
        await app.stop()
