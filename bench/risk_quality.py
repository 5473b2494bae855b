"""Model quality on generated data: the LightGBM model against a logistic-regression baseline on the same
features and the same time-based split, and merchant assessment against the generator's ground truth.

Transactions come from ingest's synthetic generator (months of payments with every fraud scenario of the
design injected and labelled); features are built exactly as the service builds them (replayed in order
through the online feature state). The split is the Fraud Detection Handbook's: train, a delay period, test.

    python bench/risk_quality.py [--transactions 200000] [--delay-days 7] [--test-days 14]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np
from _harness import report
from payrisk_ingest.synthetic import GeneratorConfig, generate
from payrisk_risk.app import merchant_config
from payrisk_risk.features import FEATURES, StateLimits, columns_from_transactions
from payrisk_risk.features.spec import distance_km
from payrisk_risk.merchants.assessment import Registration, WindowTransactions, assess
from payrisk_risk.model.dataset import replay, training_data
from payrisk_risk.model.metrics import DAY_US, quality
from payrisk_risk.model.training import Params, baseline_scores, fit, time_split
from payrisk_risk.settings import RiskSettings

DEFAULTS = RiskSettings()


def recall_by_scenario(
    scenarios: list[str], model_flags: np.ndarray, baseline_flags: np.ndarray
) -> list[tuple[str, str]]:
    rows = []
    for name in sorted({s for s in scenarios if s}):
        mine = np.array([s == name for s in scenarios])
        rows.append(
            (
                f"  {name} ({mine.sum():,})",
                f"{model_flags[mine].mean():>5.0%}                  {baseline_flags[mine].mean():>5.0%}",
            )
        )
    return rows


def merchant_quality(data, scores: np.ndarray, cols) -> tuple[int, int, int, int]:
    """Suspected merchants against the generator's shell and cash-out merchants, over the last 30 days."""
    config = merchant_config(DEFAULTS)
    bad = set(data.truth.shell_merchants) | set(data.truth.cash_out_merchants)
    lat = np.array([m.registered_location.point.latitude for m in data.merchants])
    lon = np.array([m.registered_location.point.longitude for m in data.merchants])
    merchant_ids = np.array(cols.merchant_id)
    recent = cols.occurred_at_us >= cols.occurred_at_us.max() - 30 * DAY_US
    found = false_alarms = missed = 0
    for i, m in enumerate(data.merchants):
        near = (
            int(
                (
                    distance_km(np.full(len(lat), lat[i]), np.full(len(lon), lon[i]), lat, lon) * 1000
                    < config.radius_meters
                ).sum()
            )
            - 1
        )
        rows = np.flatnonzero((merchant_ids == m.merchant_id) & recent)
        window = WindowTransactions(
            [cols.transaction_id[j] for j in rows], cols.amount_minor[rows], cols.fee_minor[rows], cols.type[rows],
            scores[rows], ["CNY"] * len(rows),
        )  # fmt: skip
        registration = Registration(
            m.registered_capital.minor_units, m.registration_type, min(near, config.neighbours_worth_counting)
        )
        suspected = assess(registration, window, DEFAULTS.review_threshold, config).suspected
        truly = m.merchant_id in bad
        found += suspected and truly
        false_alarms += suspected and not truly
        missed += truly and not suspected
    return found, false_alarms, missed, len(bad)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--delay-days", type=int, default=DEFAULTS.delay_days)
    parser.add_argument("--test-days", type=int, default=14)
    args = parser.parse_args()

    started = time.perf_counter()
    data = generate(GeneratorConfig(transactions=args.transactions, seed=args.seed))
    label_of = {label.transaction_id: label for label in data.labels}
    cols = columns_from_transactions(data.transactions)
    labels = np.array([int(label_of[t].label) if t in label_of else 0 for t in cols.transaction_id])
    scenario = [label_of[t].scenario if t in label_of else "" for t in cols.transaction_id]
    replayed, features = replay([cols], StateLimits(), DEFAULTS.local_utc_offset_hours)
    data_set = training_data(replayed, features, labels, DEFAULTS.unlabeled_as_legitimate)
    split = time_split(data_set.occurred_at_us, args.delay_days, args.test_days)
    train_rows, test_rows = data_set.take(split.train), data_set.take(split.test)

    params = Params(trees=DEFAULTS.trees, leaves=DEFAULTS.leaves, learning_rate=DEFAULTS.learning_rate)
    booster = fit(train_rows, params)
    model_scores = np.asarray(booster.predict(test_rows.features))
    lr_scores = baseline_scores(train_rows, test_rows)
    days = test_rows.occurred_at_us // DAY_US
    model = quality(days, test_rows.cards, test_rows.fraud, model_scores)
    baseline = quality(days, test_rows.cards, test_rows.fraud, lr_scores)
    ceiling = quality(
        days, test_rows.cards, test_rows.fraud, test_rows.fraud.astype(float)
    ).card_precision_at_k

    test_index = split.test  # rows of data_set, which keeps every row (unlabelled ones count as legitimate)
    test_scenarios = [scenario[i] for i in test_index]
    review = DEFAULTS.review_threshold
    # The baseline flags as many transactions as the model does, so that recall compares like with like.
    alerts = int((model_scores >= review).sum())
    lr_cut = np.sort(lr_scores)[::-1][max(alerts - 1, 0)] if alerts else np.inf
    all_scores = np.asarray(booster.predict(data_set.features))
    found, false_alarms, missed, bad = merchant_quality(data, all_scores, replayed)
    top = sorted(zip(booster.feature_importance("gain"), FEATURES, strict=True), reverse=True)[:6]

    report(
        f"model quality: {len(cols):,} generated transactions ({Counter(labels.tolist())[1]:,} fraud), "
        f"train {len(train_rows):,} / delay {args.delay_days} d / test {len(test_rows):,} over {args.test_days} d",
        [
            ("", "LightGBM (200 trees)   logistic regression (same features, same split)"),
            ("ROC AUC", f"{model.roc_auc:.4f}                 {baseline.roc_auc:.4f}"),
            (
                "average precision",
                f"{model.average_precision:.4f}                 {baseline.average_precision:.4f}",
            ),
            (
                "card precision@100",
                f"{model.card_precision_at_k:.4f}                 {baseline.card_precision_at_k:.4f}"
                f"   (ceiling {ceiling:.4f}: compromised cards per test day / 100)",
            ),
            (
                "recall by scenario",
                f"at score >= {review}: {alerts:,} of {len(test_rows):,} test transactions flagged "
                "(the baseline flags as many)",
            ),
            *recall_by_scenario(test_scenarios, model_scores >= review, lr_scores >= lr_cut),
            ("strongest features (gain)", ", ".join(name for _, name in top)),
            (
                "merchant assessment",
                f"{found} of {bad} shell and cash-out merchants suspected, {false_alarms} other merchants "
                f"suspected, {missed} missed (last 30 days, default weights)",
            ),
            ("took", f"{time.perf_counter() - started:.0f} s"),
        ],
    )


if __name__ == "__main__":
    main()
