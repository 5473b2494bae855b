"""Card precision@k as in the Fraud Detection Handbook, and the time-based split."""

from __future__ import annotations

import numpy as np
import pytest
from payrisk_risk.model.metrics import DAY_US, card_precision_at_k, card_precision_ceiling, quality
from payrisk_risk.model.training import time_split


def test_card_precision_counts_cards_not_transactions_and_takes_each_cards_highest_score():
    days = np.array([0, 0, 0, 0, 0])
    cards = np.array([1, 1, 2, 3, 4])
    fraud = np.array([False, True, False, False, True])
    scores = np.array([0.1, 0.2, 0.9, 0.5, 0.4])
    # Top 2 cards by their highest score: card 2 (0.9) and card 3 (0.5); neither compromised.
    assert card_precision_at_k(days, cards, fraud, scores, k=2) == 0.0
    # Top 4: cards 2, 3, 4, 1; cards 1 and 4 compromised.
    assert card_precision_at_k(days, cards, fraud, scores, k=4) == 0.5


def test_cards_found_compromised_are_blocked_and_left_out_of_later_days():
    days = np.array([0, 1, 1])
    cards = np.array([7, 7, 8])
    fraud = np.array([True, True, False])
    scores = np.array([0.9, 0.9, 0.1])
    # Day 0: card 7 found (1/1). Day 1: card 7 is blocked; card 8 alone, legitimate (0/1).
    assert card_precision_at_k(days, cards, fraud, scores, k=1) == 0.5


def test_the_ceiling_is_what_a_perfect_ranking_reaches():
    days = np.repeat(np.arange(3), 200)
    cards = np.arange(600)
    fraud = np.zeros(600, dtype=bool)
    fraud[[0, 1, 250]] = True
    assert card_precision_ceiling(days, cards, fraud, k=100) == pytest.approx((2 / 100 + 1 / 100 + 0) / 3)
    perfect = quality(days, cards, fraud, fraud.astype(float), k=100)
    assert perfect.roc_auc == 1.0
    assert perfect.average_precision == 1.0


def test_time_split_leaves_a_delay_gap_between_training_and_test():
    times = np.arange(60) * DAY_US + 5
    split = time_split(times, delay_days=7, test_days=10)
    train_days, test_days = times[split.train] // DAY_US, times[split.test] // DAY_US
    assert list(test_days) == list(range(50, 60))
    assert train_days.max() == 42
    assert len(split.train) == 43
