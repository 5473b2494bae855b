"""Domain results into the messages clients see."""

from __future__ import annotations

from google.protobuf.message import Message
from payrisk.common.v1 import common_pb2
from payrisk.risk.v1 import risk_pb2

from . import encoding
from .features import FEATURES
from .merchants.assessor import MerchantResult
from .model.artefact import ModelMeta
from .scoring import Scored

_FEATURE_NAMES = encoding.Names(FEATURES)


def decisions(scored: Scored, decided_at_ns: int, response: Message) -> None:
    """Appends one Decision per scored transaction to `response.decisions` (written as wire bytes in one
    compiled pass: encoding.py)."""
    encoding.decisions(
        response, scored.transaction_ids, scored.scores, scored.outcomes, scored.model_version, decided_at_ns,
        scored.reason_index(), scored.reason_features, scored.reason_contributions, scored.reason_values,
        _FEATURE_NAMES,
    )  # fmt: skip


def _money(minor: int, currency: str) -> common_pb2.Money:
    return common_pb2.Money(currency_code=currency, minor_units=minor)


def assessment_to_proto(result: MerchantResult) -> risk_pb2.MerchantAssessment:
    a = result.assessment
    reg, ind = a.registration, a.indicators
    message = risk_pb2.MerchantAssessment(
        merchant_id=result.merchant_id,
        registration=risk_pb2.RegistrationRisk(
            level=reg.level,  # type: ignore[arg-type]
            score=reg.score,
            merchants_within_radius=reg.neighbours,
            radius_meters=reg.radius_meters,
            capital_below_threshold=reg.capital_below_threshold,
            registration_type_unaccepted=reg.registration_type_unaccepted,
            address_isolated=reg.address_isolated,
            address_crowded=reg.address_crowded,
        ),
        indicators=risk_pb2.IndicatorRisk(
            level=ind.level,  # type: ignore[arg-type]
            score=ind.score,
            transaction_count=ind.transaction_count,
            risky_type_ratio=ind.risky_type_ratio,
            mean_fee_rate=ind.mean_fee_rate,
            abnormal_fee_share=ind.abnormal_fee_share,
            model_flagged_share=ind.model_flagged_share,
        ),
        level=a.level,  # type: ignore[arg-type]
        suspected=a.suspected,
        risky_transactions=[
            risk_pb2.RiskyTransaction(
                transaction_id=t.transaction_id,
                amount=_money(t.amount_minor, t.currency),
                score=t.score,
                indicators=t.indicators,
            )
            for t in a.risky
        ],
    )
    if ind.transaction_count:
        message.indicators.min_amount.CopyFrom(_money(ind.min_amount_minor, ind.currency))
        message.indicators.max_amount.CopyFrom(_money(ind.max_amount_minor, ind.currency))
    message.window_start.FromMicroseconds(result.window_start_us)
    message.window_end.FromMicroseconds(result.window_end_us)
    return message


def model_info(meta: ModelMeta, active: bool, compiled: bool) -> risk_pb2.ModelInfo:
    m = meta.metrics
    info = risk_pb2.ModelInfo(
        version=meta.version,
        metrics=risk_pb2.ModelMetrics(
            roc_auc=m.get("roc_auc", 0.0),
            average_precision=m.get("average_precision", 0.0),
            card_precision_at_100=m.get("card_precision_at_100", 0.0),
            baseline_roc_auc=m.get("baseline_roc_auc", 0.0),
            baseline_average_precision=m.get("baseline_average_precision", 0.0),
            baseline_card_precision_at_100=m.get("baseline_card_precision_at_100", 0.0),
            train_rows=int(m.get("train_rows", 0)),
            test_rows=int(m.get("test_rows", 0)),
            train_fraud_rows=int(m.get("train_fraud_rows", 0)),
            test_fraud_rows=int(m.get("test_fraud_rows", 0)),
            card_precision_at_100_ceiling=m.get("card_precision_at_100_ceiling", 0.0),
        ),
        features=meta.features,
        active=active,
        review_threshold=meta.review_threshold,
        decline_threshold=meta.decline_threshold,
        compiled=compiled,
    )
    info.created_at.FromMicroseconds(meta.created_at_us)
    return info
