"""Per-item checks of what clients send; each bad item becomes an ItemError, never an exception."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Sequence

from payrisk.common.v1 import common_pb2
from payrisk_runtime.validation import (
    ID_PATTERN,
    ISO_4217,
    MAX_FUTURE_SKEW_SECONDS,
    Violations,
    check_geo_point,
    check_id,
    check_money,
)

_MCC = re.compile(r"^\d{4}$")
MAX_TAGS = 32
MAX_TAG_LENGTH = 64
MAX_DESCRIPTION_LENGTH = 1024

_TRANSACTION_TYPES = frozenset(common_pb2.TransactionType.values()) - {
    common_pb2.TRANSACTION_TYPE_UNSPECIFIED
}
_CHANNELS = frozenset(common_pb2.Channel.values()) - {common_pb2.CHANNEL_UNSPECIFIED}


_id = ID_PATTERN.match


def plainly_valid(tx: common_pb2.Transaction, now: float) -> bool:
    """A quick yes for an ordinary valid transaction, reading each field once (ingestion's hot path).

    False for anything unusual or wrong; `transaction_violations` then says exactly what.
    """
    amount, fee = tx.amount, tx.fee
    currency, fee_currency, fee_units = amount.currency_code, fee.currency_code, fee.minor_units
    payee_id, device_id, card_id, tags = tx.payee_id, tx.device_id, tx.card_id, tx.business_tags
    return bool(
        _id(tx.transaction_id)
        and _id(tx.merchant_id)
        and _id(tx.payer_id)
        and (not payee_id or _id(payee_id))
        and (not device_id or _id(device_id))
        and (not card_id or _id(card_id))
        and currency in ISO_4217
        and amount.minor_units > 0
        and fee_units >= 0
        and (fee_currency == currency or (not fee_currency and fee_units == 0))
        and tx.type in _TRANSACTION_TYPES
        and tx.channel in _CHANNELS
        and 0 < tx.occurred_at.seconds <= now + MAX_FUTURE_SKEW_SECONDS
        and (not tx.HasField("location") or _point_valid(tx.location.point))
        and (not tx.ip_address or _ip_valid(tx.ip_address))
        and len(tags) <= MAX_TAGS
        and all(0 < len(tag) <= MAX_TAG_LENGTH for tag in tags)
        and len(tx.description) <= MAX_DESCRIPTION_LENGTH
        and (not tx.merchant_category_code or _MCC.match(tx.merchant_category_code))
    )


def _point_valid(point: common_pb2.GeoPoint) -> bool:
    return -90.0 <= point.latitude <= 90.0 and -180.0 <= point.longitude <= 180.0


def _ip_valid(address: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, address)
        except (OSError, ValueError):  # ValueError: an embedded NUL
            continue
        return True
    return False


def transaction_violations(tx: common_pb2.Transaction, prefix: str, now: float | None = None) -> Violations:
    """Every problem with a transaction (an empty, falsy Violations when there is none)."""
    now = time.time() if now is None else now
    v = Violations()
    if plainly_valid(tx, now):
        return v
    check_id(v, f"{prefix}.transaction_id", tx.transaction_id)
    check_id(v, f"{prefix}.merchant_id", tx.merchant_id)
    check_id(v, f"{prefix}.payer_id", tx.payer_id)
    check_id(v, f"{prefix}.payee_id", tx.payee_id, required=False)
    check_id(v, f"{prefix}.device_id", tx.device_id, required=False)
    check_id(v, f"{prefix}.card_id", tx.card_id, required=False)
    check_money(v, f"{prefix}.amount", tx.amount)
    check_money(v, f"{prefix}.fee", tx.fee, positive=False, required=False)
    if tx.HasField("fee") and tx.fee.currency_code and tx.fee.currency_code != tx.amount.currency_code:
        v.add(f"{prefix}.fee.currency_code", "must be the currency of amount")
    if tx.type not in _TRANSACTION_TYPES:
        v.add(f"{prefix}.type", "is required" if tx.type == 0 else "is not a known transaction type")
    if tx.channel not in _CHANNELS:
        v.add(f"{prefix}.channel", "is required" if tx.channel == 0 else "is not a known channel")
    _check_occurred_at(v, f"{prefix}.occurred_at", tx, now)
    if tx.HasField("location"):
        check_geo_point(v, f"{prefix}.location.point", tx.location.point)
    if tx.ip_address and not _ip_valid(tx.ip_address):
        v.add(f"{prefix}.ip_address", "is not an IPv4 or IPv6 address")
    check_tags(v, f"{prefix}.business_tags", tx.business_tags)
    if len(tx.description) > MAX_DESCRIPTION_LENGTH:
        v.add(f"{prefix}.description", f"must be at most {MAX_DESCRIPTION_LENGTH} characters")
    if tx.merchant_category_code and not _MCC.match(tx.merchant_category_code):
        v.add(f"{prefix}.merchant_category_code", "must be four digits")
    return v


def _check_occurred_at(v: Violations, field: str, tx: common_pb2.Transaction, now: float) -> None:
    if not tx.HasField("occurred_at"):
        v.add(field, "is required")
        return
    ts = tx.occurred_at
    if ts.seconds <= 0 or not 0 <= ts.nanos < 1_000_000_000:
        v.add(field, "is not a valid timestamp")
    elif ts.seconds > now + MAX_FUTURE_SKEW_SECONDS:
        v.add(field, "is in the future")


def check_tags(v: Violations, field: str, tags: Sequence[str]) -> None:
    items = list(tags)
    if len(items) > MAX_TAGS:
        v.add(field, f"at most {MAX_TAGS} tags")
    for i, tag in enumerate(items):
        if not tag or len(tag) > MAX_TAG_LENGTH:
            v.add(f"{field}[{i}]", f"must be 1-{MAX_TAG_LENGTH} characters")


def merchant_violations(m: common_pb2.Merchant, prefix: str) -> Violations:
    v = Violations()
    check_id(v, f"{prefix}.merchant_id", m.merchant_id)
    if not m.name:
        v.add(f"{prefix}.name", "is required")
    if not m.HasField("registered_location") or not m.registered_location.HasField("point"):
        v.add(f"{prefix}.registered_location.point", "is required")
    else:
        check_geo_point(v, f"{prefix}.registered_location.point", m.registered_location.point)
    check_money(v, f"{prefix}.registered_capital", m.registered_capital, positive=False)
    if not m.registration_type:
        v.add(f"{prefix}.registration_type", "is required")
    if m.merchant_category_code and not _MCC.match(m.merchant_category_code):
        v.add(f"{prefix}.merchant_category_code", "must be four digits")
    return v


def device_violations(d: common_pb2.Device, prefix: str) -> Violations:
    v = Violations()
    check_id(v, f"{prefix}.device_id", d.device_id)
    check_id(v, f"{prefix}.merchant_id", d.merchant_id)
    if not d.public_key_pem:
        v.add(f"{prefix}.public_key_pem", "is required")
    check_tags(v, f"{prefix}.business_tags", d.business_tags)
    return v


_OUTCOMES = frozenset(common_pb2.Outcome.values()) - {common_pb2.OUTCOME_UNSPECIFIED}


def list_outcomes(outcomes: Sequence[int]) -> tuple[int, ...]:
    """The outcomes a listing asks for, or InvalidArgument naming the first unknown one."""
    v = Violations()
    for index, outcome in enumerate(outcomes):
        if outcome not in _OUTCOMES:
            v.add(f"outcomes[{index}]", "must be APPROVE, REVIEW or DECLINE")
    v.raise_if_any()
    return tuple(sorted(set(outcomes)))


def list_min_score(score: float) -> float:
    if not 0.0 <= score <= 1.0:  # also refuses NaN
        v = Violations()
        v.add("min_score", "must be within [0, 1]")
        v.raise_if_any()
    return score
