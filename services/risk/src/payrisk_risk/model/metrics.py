"""How good a fraud model is: ROC AUC, average precision, and card precision@k per day.

Card precision@k follows the Fraud Detection Handbook of Le Borgne et al.: each day, the k cards with the
highest risk (a card's highest score that day) are what investigators can check; the precision is the
share of those that really are compromised, averaged over the days. A card found compromised on one day
is blocked and so left out of the following days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.metrics import average_precision_score, roc_auc_score

DAY_US = 86_400_000_000


@dataclass(frozen=True, slots=True)
class Quality:
    roc_auc: float
    average_precision: float
    card_precision_at_k: float


def card_precision_at_k(
    days: npt.NDArray[np.int64],
    cards: npt.NDArray[np.int64],
    fraud: npt.NDArray[np.bool_],
    scores: npt.NDArray[np.float64],
    k: int = 100,
) -> float:
    """Mean over the days of the share of truly compromised cards among the k riskiest cards of the day."""
    detected: set[int] = set()
    per_day = []
    for day in np.unique(days):
        on_day = np.flatnonzero(days == day)
        day_cards = cards[on_day]
        fresh = ~np.isin(day_cards, list(detected))
        on_day, day_cards = on_day[fresh], day_cards[fresh]
        if len(on_day) == 0:
            per_day.append(0.0)
            continue
        # Per card: its highest score and whether any of its transactions that day was fraud.
        unique, inverse = np.unique(day_cards, return_inverse=True)
        top_score = np.full(len(unique), -np.inf)
        np.maximum.at(top_score, inverse, scores[on_day])
        compromised = np.zeros(len(unique), dtype=np.bool_)
        np.logical_or.at(compromised, inverse, fraud[on_day])
        # Highest score first; ties broken by card so the result does not depend on row order.
        riskiest = np.lexsort((unique, -top_score))[:k]
        found = unique[riskiest][compromised[riskiest]]
        per_day.append(len(found) / k)
        detected.update(found.tolist())
    return float(np.mean(per_day)) if per_day else 0.0


def quality(
    days: npt.NDArray[np.int64],
    cards: npt.NDArray[np.int64],
    fraud: npt.NDArray[np.bool_],
    scores: npt.NDArray[np.float64],
    k: int = 100,
) -> Quality:
    both_classes = 0 < fraud.sum() < len(fraud)
    return Quality(
        roc_auc=float(roc_auc_score(fraud, scores)) if both_classes else float("nan"),
        average_precision=float(average_precision_score(fraud, scores)) if both_classes else float("nan"),
        card_precision_at_k=card_precision_at_k(days, cards, fraud, scores, k),
    )


def card_precision_ceiling(
    days: npt.NDArray[np.int64], cards: npt.NDArray[np.int64], fraud: npt.NDArray[np.bool_], k: int = 100
) -> float:
    """What a perfect model would reach: days with fewer than k compromised cards cap the precision."""
    return card_precision_at_k(days, cards, fraud, fraud.astype(np.float64), k)
