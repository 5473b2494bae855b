"""A merchant's indicators set beside its peers': the merchants registered nearest to it, assessed over the
same window, so an analyst sees at a glance which figure stands out."""

from __future__ import annotations

from collections.abc import Sequence

from payrisk.common.v1 import common_pb2
from payrisk.risk.v1 import risk_pb2

from .charts import IndicatorRow
from .display import percent

MAX_PEERS = 6
PEER_RADIUS_METERS = 5_000.0


def peer_ids(merchant_id: str, nearby: Sequence[common_pb2.Merchant]) -> list[str]:
    return [m.merchant_id for m in nearby if m.merchant_id != merchant_id][:MAX_PEERS]


def _amount_range(indicators: risk_pb2.IndicatorRisk) -> float:
    """Largest minus smallest amount in the window, in major units (the chart compares, it does not convert)."""
    return (indicators.max_amount.minor_units - indicators.min_amount.minor_units) / 100


def indicator_rows(
    merchant: risk_pb2.MerchantAssessment, peers: Sequence[risk_pb2.MerchantAssessment]
) -> list[IndicatorRow]:
    # Peers with no transactions in the window have no indicators worth comparing.
    active = [p.indicators for p in peers if p.indicators.transaction_count > 0]
    own = merchant.indicators
    return [
        IndicatorRow("risky type ratio", own.risky_type_ratio, [p.risky_type_ratio for p in active], percent),
        IndicatorRow(
            "mean fee rate", own.mean_fee_rate, [p.mean_fee_rate for p in active], lambda v: f"{v * 100:.2f}%"
        ),
        IndicatorRow(
            "abnormal fee share", own.abnormal_fee_share, [p.abnormal_fee_share for p in active], percent
        ),
        IndicatorRow(
            "model-flagged share", own.model_flagged_share, [p.model_flagged_share for p in active], percent
        ),
        IndicatorRow(
            "amount range", _amount_range(own), [_amount_range(p) for p in active], lambda v: f"{v:,.0f}"
        ),
        IndicatorRow(
            "transactions",
            float(own.transaction_count),
            [float(p.transaction_count) for p in active],
            lambda v: f"{v:,.0f}",
        ),
    ]
