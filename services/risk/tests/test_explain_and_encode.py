"""The compiled explanations against LightGBM's pred_contrib, and the decisions written as wire bytes against
the same decisions filled in field by field: equal to the last bit."""

from __future__ import annotations

import time

import numpy as np
import pytest
from payrisk.common.v1 import common_pb2
from payrisk.risk.v1 import risk_pb2
from payrisk_risk import convert
from payrisk_risk.features import FEATURES, columns_from_transactions
from payrisk_risk.model.explain import Explainer, Forest, top_reasons
from payrisk_risk.model.serving import lightgbm_contributions
from risk_factories import DAY, NOW, transaction


def varied_rows(risk_app, n: int = 400) -> np.ndarray:
    txs = [
        transaction(
            5000 + i,
            card_id=f"card-x{i % 23}" if i % 6 else "",
            payer_id=f"payer-x{i % 31}",
            device_id="" if i % 5 == 0 else f"dev-{i % 4}",
            payee_id=f"payee-{i % 3}" if i % 7 == 0 else "",
            amount=100 + (i * 7919) % 3_000_000,
            type=1 + i % 6,
            channel=1 + i % 3,
            merchant_category_code=["5812", "6011", "7995", "", "4829"][i % 5],
            occurred_at=NOW - 20 * DAY + i * 1800,
        )
        for i in range(n)
    ]
    for i, tx in enumerate(txs):
        if i % 9 == 0:
            tx.ClearField("location")
    return risk_app.scorer.featurize(columns_from_transactions(txs)).features


async def test_compiled_contributions_are_lightgbms_to_the_last_bit(risk_app):
    model = risk_app.scorer.model
    assert model.explainer is not None
    features = varied_rows(risk_app)
    features[::13, 5] = np.nan  # no merchant category: a missing categorical value
    features[::17, 1] = 1e-40  # LightGBM reads values this small as zero
    compiled = model.explainer.contributions(features)
    native = lightgbm_contributions(model.booster, features)
    assert np.array_equal(compiled, native)
    reference = np.argsort(-native[:, : len(FEATURES)], axis=1, kind="stable")[:, :3]
    assert np.array_equal(top_reasons(compiled[:, : len(FEATURES)], 3), reference)


def test_top_reasons_break_ties_by_feature_order():
    contributions = np.array(
        [[0.0, 2.0, 2.0, -1.0, 3.0], [1.0, 1.0, 1.0, 1.0, 1.0], [-3.0, -2.0, -1.0, -1.0, -5.0]]
    )
    expected = np.argsort(-contributions, axis=1, kind="stable")[:, :3]
    assert np.array_equal(top_reasons(contributions, 3), expected)
    assert np.array_equal(top_reasons(contributions, 9), np.argsort(-contributions, axis=1, kind="stable"))


async def test_a_deep_forest_is_left_to_lightgbm(risk_app):
    forest = Forest.of(risk_app.scorer.model.booster)
    deep = Forest(**{**{f: getattr(forest, f) for f in forest.__dataclass_fields__}, "max_depth": 40})
    with pytest.raises(ValueError, match="deeper"):
        Explainer(deep)


def reference_decisions(scored, decided_at_ns: int, response) -> None:
    """The decisions filled in field by field, as the service did before writing wire bytes."""
    for i, tx_id in enumerate(scored.transaction_ids):
        decision = response.decisions.add(
            transaction_id=tx_id,
            score=float(scored.scores[i]),
            outcome=int(scored.outcomes[i]),
            model_version=scored.model_version,
        )
        decision.decided_at.FromNanoseconds(decided_at_ns)
        for reason in scored.reasons(i):
            decision.reasons.add(feature=reason.feature, contribution=reason.contribution, value=reason.value)


async def test_decisions_written_as_bytes_are_the_decisions_filled_in_field_by_field(risk_app):
    txs = [transaction(7000 + i, transaction_id=f"tx-上海-{i}" if i % 5 == 0 else f"t{i}") for i in range(60)]
    txs += [
        transaction(8000 + i, card_id="card-burst", amount=2_500_000 + i, occurred_at=NOW - 2 * DAY + i * 60)
        for i in range(40)
    ]
    scored = risk_app.scorer.score(columns_from_transactions(txs))
    assert len(scored.explained) > 0
    now = time.time_ns()
    for start, stop in ((0, len(txs)), (55, 80), (3, 3)):
        part = scored.rows(start, stop)
        written, filled = (
            risk_pb2.StreamScoresResponse(batch_id="b"),
            risk_pb2.StreamScoresResponse(batch_id="b"),
        )
        convert.decisions(part, now, written)
        reference_decisions(part, now, filled)
        assert written == filled
        assert written.SerializeToString(deterministic=True) == filled.SerializeToString(deterministic=True)
    unary = risk_pb2.ScoreTransactionsResponse(rejected=[common_pb2.ItemError(index=4)])
    convert.decisions(scored.rows(0, 2), now, unary)
    assert [d.transaction_id for d in unary.decisions] == ["tx-上海-0", "t1"]
    assert [e.index for e in unary.rejected] == [4]
