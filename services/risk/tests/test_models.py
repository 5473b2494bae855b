"""Model lifecycle over gRPC: listing, activating, refusing what cannot be served, swapping under load."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import grpc
import numpy as np
import pytest
from payrisk.risk.v1 import risk_pb2
from payrisk_risk.features import FEATURES, columns_from_transactions
from payrisk_risk.model.artefact import LIBRARY_FILE, META_FILE, MODEL_FILE, sha256
from payrisk_risk.model.compiled import ROW_BY_ROW_UP_TO, CompiledPredictor
from payrisk_risk.model.registry import ACTIVE_FILE
from payrisk_runtime import field_violations
from risk_factories import transaction


def models_dir(app) -> Path:
    return app.lifecycle.registry.root


def copy_version(app, new_version: str) -> Path:
    """A second version on disk: the active model's files under another name."""
    root = models_dir(app)
    source = root / app.lifecycle.active_version
    target = root / new_version
    shutil.copytree(source, target)
    meta = json.loads((target / META_FILE).read_text())
    meta["version"] = new_version
    meta["created_at_us"] += 1
    (target / META_FILE).write_text(json.dumps(meta))
    return target


async def test_list_models_shows_the_active_one_with_its_metrics(risk, risk_app):
    response = await risk.ListModels(risk_pb2.ListModelsRequest())
    [model] = response.models
    assert model.version == risk_app.lifecycle.active_version
    assert model.active
    assert list(model.features) == list(FEATURES)
    m = model.metrics
    assert 0.5 < m.roc_auc <= 1.0
    assert 0.0 < m.average_precision <= 1.0
    assert 0.0 < m.baseline_roc_auc <= 1.0
    assert m.train_rows > m.test_rows > 0
    assert m.train_fraud_rows > 0
    assert m.test_fraud_rows > 0
    assert 0.0 <= m.card_precision_at_100 <= m.card_precision_at_100_ceiling <= 1.0
    assert 0 < model.review_threshold < model.decline_threshold < 1
    assert model.compiled


async def test_activating_another_version_switches_decisions_to_it(risk, risk_app):
    copy_version(risk_app, "v-second")
    response = await risk.ActivateModel(risk_pb2.ActivateModelRequest(version="v-second"))
    assert response.model.version == "v-second"
    assert response.model.active
    decided = await risk.ScoreTransactions(risk_pb2.ScoreTransactionsRequest(transactions=[transaction(1)]))
    assert decided.decisions[0].model_version == "v-second"
    assert (models_dir(risk_app) / ACTIVE_FILE).read_text().strip() == "v-second"
    listed = await risk.ListModels(risk_pb2.ListModelsRequest())
    assert next((m.version, m.active) for m in listed.models) == ("v-second", True)


async def test_the_active_model_survives_a_restart(risk_settings, risk_app):
    from payrisk_risk.app import start

    copy_version(risk_app, "v-kept")
    await risk_app.lifecycle.activate("v-kept")
    again = await start(risk_settings.model_copy(update={"port": 0}))
    try:
        assert again.lifecycle.active_version == "v-kept"
    finally:
        await again.stop()


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (
            lambda d: (d / MODEL_FILE).write_text((d / MODEL_FILE).read_text().replace("tree", "tre", 3)),
            "checksum",
        ),
        (lambda d: (d / MODEL_FILE).unlink(), "missing"),
        (lambda d: _rewrite_meta(d, features=[*FEATURES[:-1], "something_else"]), "another feature list"),
        (lambda d: _rewrite_meta(d, feature_settings={"local_utc_offset_hours": 0.0}), "built with"),
        (lambda d: (d / META_FILE).write_text("{not json"), "metadata is unreadable"),
    ],
)
async def test_a_model_that_cannot_be_served_is_refused_and_the_current_one_keeps_serving(
    risk, risk_app, damage, why
):
    current = risk_app.lifecycle.active_version
    damage(copy_version(risk_app, "v-bad"))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await risk.ActivateModel(risk_pb2.ActivateModelRequest(version="v-bad"))
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "v-bad cannot be served" in caught.value.details()
    assert why in caught.value.details()
    decided = await risk.ScoreTransactions(risk_pb2.ScoreTransactionsRequest(transactions=[transaction(1)]))
    assert decided.decisions[0].model_version == current


def _rewrite_meta(directory: Path, **changes: object) -> None:
    meta = json.loads((directory / META_FILE).read_text())
    meta.update(changes)
    (directory / META_FILE).write_text(json.dumps(meta))


async def test_unknown_and_malformed_versions(risk):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await risk.ActivateModel(risk_pb2.ActivateModelRequest(version="v-nowhere"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    for version in ("", "../models", ".hidden"):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await risk.ActivateModel(risk_pb2.ActivateModelRequest(version=version))
        assert caught.value.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND)
        if caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT:
            assert [v.field for v in field_violations(caught.value)] == ["version"]


async def test_a_broken_compiled_library_falls_back_to_lightgbm_with_the_same_scores(risk, risk_app):
    directory = copy_version(risk_app, "v-nolib")
    (directory / LIBRARY_FILE).write_bytes(b"not a shared library")
    _rewrite_meta(
        directory,
        checksums={
            **json.loads((directory / META_FILE).read_text())["checksums"],
            LIBRARY_FILE: sha256(directory / LIBRARY_FILE),
        },
    )
    compiled_model = risk_app.scorer.model
    response = await risk.ActivateModel(risk_pb2.ActivateModelRequest(version="v-nolib"))
    assert not response.model.compiled
    native_model = risk_app.scorer.model
    assert native_model.compiled is None
    featured = risk_app.scorer.featurize(columns_from_transactions([transaction(n) for n in range(50)]))
    assert np.array_equal(native_model.predict(featured.features), compiled_model.predict(featured.features))


async def test_compiled_inference_gives_exactly_lightgbm_scores(risk_app):
    model = risk_app.scorer.model
    assert isinstance(model.compiled, CompiledPredictor)
    txs = [
        transaction(n, card_id=f"c{n % 9}", amount=500 + 97 * n, device_id="" if n % 4 else "d")
        for n in range(500)
    ]
    featured = risk_app.scorer.featurize(columns_from_transactions(txs))
    compiled = model.compiled.predict(featured.features)
    native = np.asarray(model.booster.predict(featured.features, num_threads=1))
    assert np.array_equal(compiled, native)
    # Small batches go row by row through the library's entry point, missing features included.
    assert model.compiled.row_by_row
    assert np.isnan(featured.features[:ROW_BY_ROW_UP_TO]).any()
    for size in (1, 2, ROW_BY_ROW_UP_TO):
        assert np.array_equal(model.compiled.predict(featured.features[:size]), native[:size])
    assert np.array_equal(model.compiled.predict_rows(featured.features), native)


async def test_activation_mid_stream_drops_no_batch(risk, risk_app):
    copy_version(risk_app, "v-next")
    first = risk_app.lifecycle.active_version
    queue: asyncio.Queue[risk_pb2.StreamScoresRequest | None] = asyncio.Queue()

    async def requests():
        while (item := await queue.get()) is not None:
            yield item

    call = risk.StreamScores(requests())
    versions = []
    for b in range(40):
        await queue.put(
            risk_pb2.StreamScoresRequest(
                batch_id=str(b), transactions=[transaction(b * 50 + i) for i in range(50)]
            )
        )
        if b == 20:
            await risk.ActivateModel(risk_pb2.ActivateModelRequest(version="v-next"))
    await queue.put(None)
    async for response in call:
        assert len(response.decisions) == 50
        versions.append({d.model_version for d in response.decisions})
    assert len(versions) == 40
    assert all(len(v) == 1 for v in versions)  # a batch is decided by one model throughout
    flat = [v.pop() for v in versions]
    assert flat[0] == first
    assert flat[-1] == "v-next"
    assert flat == sorted(flat, key=lambda v: v == "v-next")  # once switched, never back
