"""Training a LightGBM model, and a logistic-regression baseline, on a time-based split.

As in the Fraud Detection Handbook: the model learns from a training period, a delay period follows (the
days in which fraud is not yet known when the model is trained), and it is tested on the period after.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from payrisk_runtime import FailedPrecondition
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..features import CATEGORICAL, FEATURES
from .metrics import DAY_US, Quality, card_precision_ceiling, quality

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class TrainingData:
    """Feature rows with their label (1 fraud, 0 legitimate), time and card (as integer codes)."""

    features: Floats
    fraud: npt.NDArray[np.bool_]
    occurred_at_us: Ints
    cards: Ints

    def __len__(self) -> int:
        return len(self.fraud)

    def take(self, index: Ints) -> TrainingData:
        return TrainingData(
            self.features[index], self.fraud[index], self.occurred_at_us[index], self.cards[index]
        )


@dataclass(frozen=True, slots=True)
class Params:
    trees: int = 200
    leaves: int = 15
    learning_rate: float = 0.05
    threads: int = 1
    seed: int = 7

    def lightgbm(self) -> dict[str, object]:
        return {
            "objective": "binary",
            "num_leaves": self.leaves,
            # Shallow trees: explanations (TreeSHAP) cost grows with the square of the depth.
            "max_depth": 5,
            "learning_rate": self.learning_rate,
            "min_data_in_leaf": 40,
            "feature_fraction": 0.8,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "lambda_l2": 1.0,
            "num_threads": self.threads,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "verbose": -1,
        }


@dataclass(frozen=True, slots=True)
class Split:
    train: Ints
    test: Ints
    test_start_us: int
    end_us: int


@dataclass
class Trained:
    booster: lgb.Booster
    metrics: dict[str, float] = field(default_factory=dict)


def time_split(occurred_at_us: Ints, delay_days: int, test_days: int, end_us: int | None = None) -> Split:
    """Test: the last `test_days` days; training: everything before the `delay_days` days preceding them."""
    end = int(occurred_at_us.max()) + 1 if end_us is None else end_us
    test_start = end - test_days * DAY_US
    train_end = test_start - delay_days * DAY_US
    order = np.argsort(occurred_at_us, kind="stable")
    times = occurred_at_us[order]
    train = order[times < train_end]
    test = order[(times >= test_start) & (times < end)]
    return Split(train, test, test_start, end)


def _check(data: TrainingData, split: Split) -> None:
    for name, rows in (("training", split.train), ("test", split.test)):
        fraud = int(data.fraud[rows].sum())
        if fraud == 0 or fraud == len(rows):
            raise FailedPrecondition(
                f"the {name} period has {len(rows)} transactions of which {fraud} fraud: training needs "
                "labelled fraud and legitimate transactions in both periods (more data, or other days)"
            )


def _quality(data: TrainingData, scores: Floats) -> Quality:
    return quality(data.occurred_at_us // DAY_US, data.cards, data.fraud, scores)


def baseline_scores(train: TrainingData, test: TrainingData) -> Floats:
    """Fits the logistic-regression baseline on `train` and scores `test`."""
    model = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(max_iter=1000),
    )
    with warnings.catch_warnings():
        # Constant columns (a feature unused on this data) are harmless here.
        warnings.simplefilter("ignore")
        model.fit(train.features, train.fraud)
        scores: Floats = model.predict_proba(test.features)[:, 1]
    return scores


def fit(rows: TrainingData, params: Params) -> lgb.Booster:
    dataset = lgb.Dataset(
        rows.features,
        label=rows.fraud.astype(np.float64),
        feature_name=list(FEATURES),
        categorical_feature=list(CATEGORICAL),
        free_raw_data=True,
    )
    return lgb.train(params.lightgbm(), dataset, num_boost_round=params.trees)


def train(data: TrainingData, params: Params, delay_days: int, test_days: int) -> Trained:
    split = time_split(data.occurred_at_us, delay_days, test_days)
    _check(data, split)
    train_rows, test_rows = data.take(split.train), data.take(split.test)
    booster = fit(train_rows, params)
    scores = np.asarray(booster.predict(test_rows.features), dtype=np.float64)
    model, baseline = _quality(test_rows, scores), _quality(test_rows, baseline_scores(train_rows, test_rows))
    ceiling = card_precision_ceiling(test_rows.occurred_at_us // DAY_US, test_rows.cards, test_rows.fraud)
    metrics = {
        "roc_auc": model.roc_auc,
        "average_precision": model.average_precision,
        "card_precision_at_100": model.card_precision_at_k,
        "baseline_roc_auc": baseline.roc_auc,
        "baseline_average_precision": baseline.average_precision,
        "baseline_card_precision_at_100": baseline.card_precision_at_k,
        "card_precision_at_100_ceiling": ceiling,
        "train_rows": len(train_rows),
        "test_rows": len(test_rows),
        "train_fraud_rows": int(train_rows.fraud.sum()),
        "test_fraud_rows": int(test_rows.fraud.sum()),
    }
    return Trained(booster, metrics)
