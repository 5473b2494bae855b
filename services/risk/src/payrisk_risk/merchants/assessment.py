"""Merchant risk from facts already gathered: registration risk, indicator risk, their combination, and the
transactions that make a suspected merchant risky. Pure functions of their inputs and the configuration.

Each level rests on a score in [0, 1]:
- registration: the weighted share of the registration factors that apply (address isolated or crowded,
  capital below the threshold, a registration type outside the accepted set);
- indicators: the weighted mean of four sub-scores over the window, each in [0, 1] (share of transfers,
  withdrawals and cash-outs; the spread of amounts; the share of abnormal fee rates; the share of
  transactions the model flags);
- combined: 1 - (1 - wr * registration)(1 - wi * indicators), so that strong evidence from either side is
  enough and both together count for more than either alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from payrisk.common.v1 import common_pb2

from ..features.entities import RISKY_TYPES

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
LEVELS = (
    common_pb2.RISK_LEVEL_LOW,
    common_pb2.RISK_LEVEL_MEDIUM,
    common_pb2.RISK_LEVEL_HIGH,
    common_pb2.RISK_LEVEL_CRITICAL,
)


@dataclass(frozen=True)
class MerchantRiskConfig:
    radius_meters: float = 1_000.0
    isolated_below: int = 1
    crowded_above: int = 50
    capital_threshold_minor: int = 5_000_000
    accepted_registration_types: frozenset[str] = frozenset()
    weight_address: float = 0.4
    weight_capital: float = 0.3
    weight_registration_type: float = 0.3
    weight_risky_type: float = 0.1
    weight_amount_range: float = 0.2
    weight_fee_rate: float = 0.35
    weight_model: float = 0.35
    risky_type_ratio_low: float = 0.3
    risky_type_ratio_high: float = 0.8
    amount_range_minor: int = 3_000_000
    large_amount_minor: int = 2_000_000
    fee_rate_min: float = 0.0005
    fee_rate_max: float = 0.012
    fee_min_amount_minor: int = 10_000
    abnormal_fee_share_full: float = 0.25
    model_flagged_share_full: float = 0.2
    level_cuts: tuple[float, float, float] = (0.25, 0.5, 0.75)
    weight_registration_level: float = 0.6
    weight_indicator_level: float = 1.0
    suspect_score: float = 0.5

    @property
    def neighbours_worth_counting(self) -> int:
        """Counting beyond this cannot change the verdict on the address."""
        return max(self.isolated_below, self.crowded_above) + 1


@dataclass(frozen=True, slots=True)
class Registration:
    capital_minor: int
    registration_type: str
    # Other registered merchants within the radius (counted up to `neighbours_worth_counting`).
    neighbours: int


@dataclass(frozen=True, slots=True)
class WindowTransactions:
    transaction_ids: list[str]
    amount_minor: Ints
    fee_minor: Ints
    type: Ints
    # Fraud probability per transaction; NaN where no model could score it.
    scores: Floats
    currency: list[str]


@dataclass(frozen=True, slots=True)
class RegistrationRisk:
    level: int
    score: float
    neighbours: int
    radius_meters: float
    address_isolated: bool
    address_crowded: bool
    capital_below_threshold: bool
    registration_type_unaccepted: bool


@dataclass(frozen=True, slots=True)
class IndicatorRisk:
    level: int
    score: float
    transaction_count: int
    # Of the amounts below (the window's first transaction's; a merchant settles in one currency).
    currency: str
    risky_type_ratio: float
    min_amount_minor: int
    max_amount_minor: int
    mean_fee_rate: float
    abnormal_fee_share: float
    model_flagged_share: float


@dataclass(frozen=True, slots=True)
class RiskyTransaction:
    transaction_id: str
    amount_minor: int
    currency: str
    score: float
    indicators: list[str]


@dataclass(frozen=True, slots=True)
class Assessment:
    registration: RegistrationRisk
    indicators: IndicatorRisk
    level: int
    score: float
    suspected: bool
    risky: list[RiskyTransaction] = field(default_factory=list)


def level_of(score: float, cuts: tuple[float, float, float]) -> int:
    return LEVELS[int(np.searchsorted(np.asarray(cuts), score, side="right"))]


def registration_risk(r: Registration, c: MerchantRiskConfig) -> RegistrationRisk:
    isolated = r.neighbours < c.isolated_below
    crowded = c.crowded_above > 0 and r.neighbours > c.crowded_above
    thin = r.capital_minor < c.capital_threshold_minor
    unaccepted = r.registration_type.strip().lower() not in c.accepted_registration_types
    weights = c.weight_address + c.weight_capital + c.weight_registration_type
    score = (
        c.weight_address * (isolated or crowded)
        + c.weight_capital * thin
        + c.weight_registration_type * unaccepted
    ) / (weights or 1.0)
    return RegistrationRisk(
        level_of(score, c.level_cuts),
        score,
        r.neighbours,
        c.radius_meters,
        isolated,
        crowded,
        thin,
        unaccepted,
    )


def _fee_counts(t: WindowTransactions, c: MerchantRiskConfig) -> npt.NDArray[np.bool_]:
    """Payments whose fee says something about the merchant's pricing: not refunds (they carry no fee by
    nature), not small amounts (whose fee of a few cents is mostly rounding)."""
    counts: npt.NDArray[np.bool_] = (t.type != common_pb2.TRANSACTION_TYPE_REFUND) & (
        t.amount_minor >= c.fee_min_amount_minor
    )
    return counts


def _fee_abnormal(t: WindowTransactions, c: MerchantRiskConfig) -> npt.NDArray[np.bool_]:
    rate = t.fee_minor / np.maximum(t.amount_minor, 1)
    abnormal: npt.NDArray[np.bool_] = _fee_counts(t, c) & ((rate < c.fee_rate_min) | (rate > c.fee_rate_max))
    return abnormal


def _ramp(value: float, low: float, high: float) -> float:
    return float(np.clip((value - low) / (high - low), 0.0, 1.0))


def indicator_risk(t: WindowTransactions, review_threshold: float, c: MerchantRiskConfig) -> IndicatorRisk:
    n = len(t.transaction_ids)
    if n == 0:
        return IndicatorRisk(level_of(0.0, c.level_cuts), 0.0, 0, "", 0.0, 0, 0, 0.0, 0.0, 0.0)
    risky_ratio = float(np.isin(t.type, RISKY_TYPES).mean())
    low, high = int(t.amount_minor.min()), int(t.amount_minor.max())
    charged = t.type != common_pb2.TRANSACTION_TYPE_REFUND
    rates = t.fee_minor / np.maximum(t.amount_minor, 1)
    mean_fee_rate = float(rates[charged].mean()) if charged.any() else 0.0
    abnormal_share = float(_fee_abnormal(t, c).sum() / max(int(_fee_counts(t, c).sum()), 1))
    flagged_share = float((np.nan_to_num(t.scores, nan=0.0) >= review_threshold).mean())
    parts = (
        (c.weight_risky_type, _ramp(risky_ratio, c.risky_type_ratio_low, c.risky_type_ratio_high)),
        (c.weight_amount_range, _ramp(high - low, 0.0, c.amount_range_minor)),
        (c.weight_fee_rate, _ramp(abnormal_share, 0.0, c.abnormal_fee_share_full)),
        (c.weight_model, _ramp(flagged_share, 0.0, c.model_flagged_share_full)),
    )
    weights = sum(w for w, _ in parts) or 1.0
    score = sum(w * s for w, s in parts) / weights
    return IndicatorRisk(
        level_of(score, c.level_cuts),
        score,
        n,
        t.currency[0],
        risky_ratio,
        low,
        high,
        mean_fee_rate,
        abnormal_share,
        flagged_share,
    )


def risky_transactions(
    t: WindowTransactions, review_threshold: float, c: MerchantRiskConfig
) -> list[RiskyTransaction]:
    """Flagged by the model, or by at least two indicators; riskiest first."""
    flags = {
        "model_score": np.nan_to_num(t.scores, nan=0.0) >= review_threshold,
        "fee_rate": _fee_abnormal(t, c),
        "amount_range": t.amount_minor >= c.large_amount_minor,
        "risky_type": np.isin(t.type, RISKY_TYPES),
    }
    indicators = sum(f.astype(np.int64) for f in list(flags.values())[1:])
    risky = flags["model_score"] | (indicators >= 2)
    order = np.lexsort((t.amount_minor, np.nan_to_num(t.scores, nan=0.0)))[::-1]
    return [
        RiskyTransaction(
            t.transaction_ids[i],
            int(t.amount_minor[i]),
            t.currency[i],
            float(np.nan_to_num(t.scores[i], nan=0.0)),
            [name for name, f in flags.items() if f[i]],
        )
        for i in order.tolist()
        if risky[i]
    ]


def assess(
    registration: Registration, window: WindowTransactions, review_threshold: float, c: MerchantRiskConfig
) -> Assessment:
    reg = registration_risk(registration, c)
    ind = indicator_risk(window, review_threshold, c)
    combined = 1.0 - (1.0 - c.weight_registration_level * reg.score) * (
        1.0 - c.weight_indicator_level * ind.score
    )
    suspected = combined >= c.suspect_score
    risky = risky_transactions(window, review_threshold, c) if suspected else []
    return Assessment(reg, ind, level_of(combined, c.level_cuts), combined, suspected, risky)
