"""A rule-based risk service over gRPC for ingest's tests: same contract as the real one, no model."""

from __future__ import annotations

import asyncio

from payrisk.common.v1 import common_pb2
from payrisk.risk.v1 import risk_pb2, risk_pb2_grpc


def decide(tx: common_pb2.Transaction) -> common_pb2.Decision:
    """Over 5,000 minor units declined, over 3,000 reviewed, the rest approved."""
    amount = tx.amount.minor_units
    score, outcome = 0.1, common_pb2.OUTCOME_APPROVE
    if amount > 5000:
        score, outcome = 0.9, common_pb2.OUTCOME_DECLINE
    elif amount > 3000:
        score, outcome = 0.6, common_pb2.OUTCOME_REVIEW
    decision = common_pb2.Decision(
        transaction_id=tx.transaction_id, score=score, outcome=outcome, model_version="rule-1"
    )
    decision.decided_at.FromSeconds(tx.occurred_at.seconds + 1)
    decision.reasons.add(feature="amount", contribution=score - 0.5, value=amount)
    return decision


class RiskThatDeclinesLargeAmounts(risk_pb2_grpc.RiskServiceServicer):
    """Stands in for the risk service: a rule instead of a model, same contract."""

    def __init__(self) -> None:
        self.hang = asyncio.Event()
        self.calls = 0

    async def ScoreTransactions(self, request, context):
        self.calls += 1
        if self.hang.is_set():
            await asyncio.sleep(60)
        return risk_pb2.ScoreTransactionsResponse(decisions=[decide(tx) for tx in request.transactions])
