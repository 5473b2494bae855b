"""Who may call the ledger over mutual TLS.

| caller                          | may call                                                          |
| ------------------------------- | ----------------------------------------------------------------- |
| `operator`                      | everything                                                        |
| `service:risk`                  | FreezeFunds, AnchorRecords and the reads                          |
| `service:ingest`                | AnchorRecords and the reads                                       |
| `analyst`, `service:console`    | the reads                                                         |

Releasing frozen funds is an operator's decision only. The ledger's own Fabric identity signs what it
submits and is never handed to, or shown to, any caller.
"""

from __future__ import annotations

from payrisk.ledger.v1 import ledger_pb2
from payrisk_runtime import ANALYST, OPERATOR, method_rules, service_identity

RISK, INGEST, CONSOLE = (service_identity(s) for s in ("risk", "ingest", "console"))
_READERS = {OPERATOR, RISK, INGEST, ANALYST, CONSOLE}

RULES = method_rules(
    ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"],
    {
        "FreezeFunds": {OPERATOR, RISK},
        "ReleaseFunds": {OPERATOR},
        "AnchorRecords": {OPERATOR, RISK, INGEST},
        **dict.fromkeys(
            ("GetFreeze", "ListFreezes", "GetHistory", "VerifyReceipt", "GetLedgerInfo"), _READERS
        ),
    },
)
