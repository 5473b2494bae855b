"""How protobuf values read on a page: money, times, enum names, hashes."""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk.risk.v1 import risk_pb2

# ISO 4217 currencies whose minor unit is not a hundredth.
_EXPONENTS = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}


def money(value: common_pb2.Money) -> str:
    if not value.currency_code:
        return "—"
    exponent = _EXPONENTS.get(value.currency_code, 2)
    amount = value.minor_units / 10**exponent
    return f"{amount:,.{exponent}f} {value.currency_code}"


def to_datetime(stamp: Timestamp) -> dt.datetime | None:
    if stamp.seconds == 0 and stamp.nanos == 0:
        return None
    return dt.datetime.fromtimestamp(stamp.seconds + stamp.nanos / 1e9, dt.UTC)


def when(stamp: Timestamp) -> str:
    moment = to_datetime(stamp)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—"


def enum_label(prefix: str, name: str) -> str:
    """`OUTCOME_DECLINE` → `decline`; `SECURITY_LEVEL_AT_RISK` → `at risk`."""
    return name.removeprefix(prefix).lower().replace("_", " ")


def outcome(value: int) -> str:
    return enum_label("OUTCOME_", common_pb2.Outcome.Name(value))


def risk_level(value: int) -> str:
    return enum_label("RISK_LEVEL_", common_pb2.RiskLevel.Name(value))


def fraud_label(value: int) -> str:
    return enum_label("FRAUD_LABEL_", common_pb2.FraudLabel.Name(value))


def settlement(value: int) -> str:
    return enum_label("SETTLEMENT_STATUS_", common_pb2.SettlementStatus.Name(value))


def transaction_type(value: int) -> str:
    return enum_label("TRANSACTION_TYPE_", common_pb2.TransactionType.Name(value))


def channel(value: int) -> str:
    return enum_label("CHANNEL_", common_pb2.Channel.Name(value))


def hex_digest(data: bytes) -> str:
    return data.hex()


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def score(value: float) -> str:
    return f"{value:.3f}"


def verdict(value: int) -> str:
    return enum_label("SETTLEMENT_VERDICT_", risk_pb2.SettlementVerdict.Name(value))


def freeze_status(value: int) -> str:
    return enum_label("FREEZE_STATUS_", ledger_pb2.FreezeStatus.Name(value))


def security_level(value: int) -> str:
    return enum_label("SECURITY_LEVEL_", risk_pb2.SecurityLevel.Name(value))


def sequence_event(value: int) -> str:
    return enum_label("SEQUENCE_EVENT_KIND_", ingest_pb2.SequenceEventKind.Name(value))
