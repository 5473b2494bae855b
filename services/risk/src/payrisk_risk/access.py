"""Who may call risk over mutual TLS.

| caller                          | may call                                                          |
| ------------------------------- | ----------------------------------------------------------------- |
| `operator`                      | everything                                                        |
| `service:ingest`                | ScoreTransactions, StreamScores (scoring at ingestion)            |
| `service:settlement`            | ReviewSettlement (the settlement system's fund-deduction orders)  |
| `analyst`, `service:console`    | AssessMerchant, ListSettlementReviews, MatchScenarios,            |
|                                 | AssessDevice, ListModels                                          |

Settlement review freezes funds and model training and activation change every later decision, so they are
for operators (and the review also for the settlement system whose instructions it reviews), never for an
analyst, the console acting on its own, or a terminal. Scoring feeds the online feature state, so only ingest
(and an operator) may score.
"""

from __future__ import annotations

from payrisk.risk.v1 import risk_pb2
from payrisk_runtime import ANALYST, OPERATOR, method_rules, service_identity

INGEST, SETTLEMENT, CONSOLE = (service_identity(s) for s in ("ingest", "settlement", "console"))
_INVESTIGATORS = {OPERATOR, ANALYST, CONSOLE}

RULES = method_rules(
    risk_pb2.DESCRIPTOR.services_by_name["RiskService"],
    {
        "ScoreTransactions": {OPERATOR, INGEST},
        "StreamScores": {OPERATOR, INGEST},
        "ReviewSettlement": {OPERATOR, SETTLEMENT},
        "ListSettlementReviews": _INVESTIGATORS,
        "AssessMerchant": _INVESTIGATORS,
        "MatchScenarios": _INVESTIGATORS,
        "AssessDevice": _INVESTIGATORS,
        "ListModels": _INVESTIGATORS,
        "BuildScenarioKnowledgeBase": {OPERATOR},
        "TrainModel": {OPERATOR},
        "ActivateModel": {OPERATOR},
    },
)
