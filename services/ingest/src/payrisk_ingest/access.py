"""Who may call ingest over mutual TLS, and what a terminal may send: bills of its own device only.

| caller                          | may call                                                          |
| ------------------------------- | ----------------------------------------------------------------- |
| `operator`, `acquirer`          | everything                                                        |
| `terminal:<device>`             | SyncOfflineBills, for its own device                              |
| `service:risk`                  | the reads and exports, and UpdateSettlementStatus (freezes)       |
| `service:push`                  | the reads and exports (mining bills, a terminal's merchant)       |
| `analyst`, `service:console`    | the reads and exports, and LabelTransactions (case outcomes)      |
"""

from __future__ import annotations

from collections.abc import Iterable

from google.protobuf.message import DecodeError
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk_runtime import (
    ACQUIRER,
    ANALYST,
    OPERATOR,
    TERMINAL,
    Caller,
    PermissionDenied,
    caller,
    method_rules,
    service_identity,
)

__all__ = ["RULES", "caller", "check_bills_are_its_own"]

RISK, PUSH, CONSOLE = (service_identity(s) for s in ("risk", "push", "console"))
_OWNERS = {OPERATOR, ACQUIRER}
_READERS = {*_OWNERS, RISK, PUSH, ANALYST, CONSOLE}
_READS = (
    "GetTransaction",
    "ListTransactions",
    "ExportTransactions",
    "GetMerchant",
    "ListMerchants",
    "GetDevice",
    "ListDeviceEvents",
    "ListOfflineBills",
)

RULES = method_rules(
    ingest_pb2.DESCRIPTOR.services_by_name["IngestService"],
    {
        "RegisterMerchants": _OWNERS,
        "RegisterDevices": _OWNERS,
        "IngestTransactions": _OWNERS,
        "SyncOfflineBills": {*_OWNERS, TERMINAL},
        "LabelTransactions": {*_OWNERS, ANALYST, CONSOLE},
        "UpdateSettlementStatus": {*_OWNERS, RISK},
        **dict.fromkeys(_READS, _READERS),
    },
)


def check_bills_are_its_own(who: Caller | None, bills: Iterable[common_pb2.OfflineBill]) -> None:
    """A terminal syncs only its own device's bills: one bill for another device refuses the whole request,
    naming it, since a terminal sending another's bills is compromised or misconfigured, not making a typo.

    A payload that does not parse is left to the sync, which rejects that bill on its own.
    """
    if who is None or who.role != TERMINAL:
        return
    for index, bill in enumerate(bills):
        payload = common_pb2.OfflineBillPayload()
        try:
            payload.ParseFromString(bill.payload)
        except DecodeError:
            continue
        if payload.device_id != who.name:
            raise PermissionDenied(
                f"bills[{index}] (bill {payload.bill_id[:128]!r}) is for device {payload.device_id[:128]!r}: "
                f"{who.identity} may sync only its own bills"
            )
