"""Training on generated data: LightGBM against the logistic-regression baseline on the same split."""

from __future__ import annotations

import numpy as np
import pytest
from payrisk_risk.bootstrap import synthetic_batches
from payrisk_risk.features import StateLimits
from payrisk_risk.model.dataset import replay, training_data
from payrisk_risk.model.training import Params, train
from payrisk_runtime import FailedPrecondition

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def generated():
    batches = list(synthetic_batches(30_000, seed=21))
    cols, features = replay([c for c, _ in batches], StateLimits(), 8.0)
    labels = np.concatenate([labels for _, labels in batches])
    return cols, features, labels


def test_lightgbm_learns_the_generated_fraud_and_is_measured_against_the_baseline(generated):
    cols, features, labels = generated
    data = training_data(cols, features, labels, unlabeled_as_legitimate=True)
    trained = train(data, Params(trees=60), delay_days=7, test_days=14)
    m = trained.metrics
    assert m["test_fraud_rows"] > 20
    assert m["train_rows"] > m["test_rows"]
    assert m["roc_auc"] > 0.95
    assert m["average_precision"] > 0.8
    assert m["baseline_roc_auc"] > 0.8
    assert m["average_precision"] >= m["baseline_average_precision"] - 0.02
    assert 0 < m["card_precision_at_100"] <= m["card_precision_at_100_ceiling"]


def test_only_labelled_rows_when_unlabelled_ones_are_not_counted_as_legitimate(generated):
    cols, features, labels = generated
    data = training_data(cols, features, labels, unlabeled_as_legitimate=False)
    assert len(data) == int((labels > 0).sum())


def test_a_period_without_fraud_is_refused_with_a_clear_reason(generated):
    cols, features, labels = generated
    data = training_data(cols, features, np.where(labels == 1, 2, labels), unlabeled_as_legitimate=True)
    with pytest.raises(FailedPrecondition, match="labelled fraud and legitimate"):
        train(data, Params(trees=5), delay_days=7, test_days=7)
