"""Checks of what clients send risk. A bad transaction in a batch is reported on its own (ItemError); a bad
request otherwise is INVALID_ARGUMENT naming every bad field."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from google.protobuf.timestamp_pb2 import Timestamp
from payrisk.common.v1 import common_pb2
from payrisk.risk.v1 import risk_pb2
from payrisk_runtime import InvalidArgument
from payrisk_runtime.validation import (
    ID_PATTERN,
    ISO_4217,
    MAX_FUTURE_SKEW_SECONDS,
    Violations,
    check_geo_point,
    check_id,
    check_money,
    timestamp_micros,
    valid_timestamp,
)

from .features import wire
from .features.columns import Columns, Unchecked, extract, from_parsed
from .features.entities import code_table, member
from .settlement.reviewer import Instruction
from .wire_requests import WireRequest

_MCC = re.compile(r"^[0-9]{4}$")
# ID_PATTERN, one id per line.
_ID_LINE = re.compile(ID_PATTERN.pattern, re.MULTILINE)
_TYPES = frozenset(common_pb2.TransactionType.values()) - {common_pb2.TRANSACTION_TYPE_UNSPECIFIED}
_CHANNELS = frozenset(common_pb2.Channel.values()) - {common_pb2.CHANNEL_UNSPECIFIED}
_TYPE_CODES = code_table(_TYPES)
_CHANNEL_CODES = code_table(_CHANNELS)
DAY_US = 86_400_000_000
MAX_DAYS = 90


def transaction_violations(tx: common_pb2.Transaction, prefix: str, now: float) -> Violations:
    """Every problem with a transaction to score (an empty, falsy Violations when there is none)."""
    v = Violations()
    check_id(v, f"{prefix}.transaction_id", tx.transaction_id)
    check_id(v, f"{prefix}.merchant_id", tx.merchant_id)
    check_id(v, f"{prefix}.payer_id", tx.payer_id)
    check_id(v, f"{prefix}.payee_id", tx.payee_id, required=False)
    check_id(v, f"{prefix}.device_id", tx.device_id, required=False)
    check_id(v, f"{prefix}.card_id", tx.card_id, required=False)
    check_money(v, f"{prefix}.amount", tx.amount)
    check_money(v, f"{prefix}.fee", tx.fee, positive=False, required=False)
    if tx.fee.currency_code and tx.fee.currency_code != tx.amount.currency_code:
        v.add(f"{prefix}.fee.currency_code", "must be the currency of amount")
    if tx.type not in _TYPES:
        v.add(f"{prefix}.type", "is required" if tx.type == 0 else "is not a known transaction type")
    if tx.channel not in _CHANNELS:
        v.add(f"{prefix}.channel", "is required" if tx.channel == 0 else "is not a known channel")
    ts = tx.occurred_at
    if not tx.HasField("occurred_at"):
        v.add(f"{prefix}.occurred_at", "is required")
    elif ts.seconds <= 0 or not 0 <= ts.nanos < 1_000_000_000:
        v.add(f"{prefix}.occurred_at", "is not a valid timestamp")
    elif ts.seconds > now + MAX_FUTURE_SKEW_SECONDS:
        v.add(f"{prefix}.occurred_at", "is in the future")
    if tx.location.HasField("point"):
        check_geo_point(v, f"{prefix}.location.point", tx.location.point)
    if tx.merchant_category_code and not _MCC.match(tx.merchant_category_code):
        v.add(f"{prefix}.merchant_category_code", "must be four digits")
    return v


def _ids_valid(ids: Sequence[str], required: bool) -> npt.NDArray[np.bool_]:
    """Whether each id is well formed (or empty, when not required): one regex pass over the whole column."""
    present = [i for i in ids if i] if not required else ids
    joined = "\n".join(present)
    if len(_ID_LINE.findall(joined)) == len(present) and joined.count("\n") == max(len(present) - 1, 0):
        return np.ones(len(ids), dtype=np.bool_)
    return np.array([bool(ID_PATTERN.match(i)) if i or required else True for i in ids], dtype=np.bool_)


def _plainly_valid(cols: Columns, raw: Unchecked, now: float) -> npt.NDArray[np.bool_]:
    """A quick yes for each ordinary valid transaction, a column at a time; `transaction_violations` then
    says exactly what is wrong with the others. The reference for the checks of `wire.parse`."""
    ok = (
        _ids_valid(cols.transaction_id, True)
        & _ids_valid(cols.merchant_id, True)
        & _ids_valid(cols.payer_id, True)
    )
    for optional in (cols.payee_id, cols.device_id, cols.card_id):
        ok &= _ids_valid(optional, False)
    if not set(raw.currency) <= ISO_4217:
        ok &= np.array([c in ISO_4217 for c in raw.currency], dtype=np.bool_)
    ok &= (cols.amount_minor > 0) & (cols.fee_minor >= 0)
    if raw.fee_currency != raw.currency:
        ok &= np.array(
            [
                f == c or (not f and u == 0)
                for f, c, u in zip(raw.fee_currency, raw.currency, cols.fee_minor.tolist(), strict=True)
            ],
            dtype=np.bool_,
        )
    ok &= member(cols.type, _TYPE_CODES) & member(cols.channel, _CHANNEL_CODES)
    ok &= (
        (raw.seconds > 0)
        & (raw.seconds <= now + MAX_FUTURE_SKEW_SECONDS)
        & (raw.nanos >= 0)
        & (raw.nanos < 1_000_000_000)
    )
    with np.errstate(invalid="ignore"):
        ok &= ~cols.located | ((np.abs(cols.latitude) <= 90.0) & (np.abs(cols.longitude) <= 180.0))
    ok &= (cols.mcc >= 0) | np.array([not m for m in raw.mcc], dtype=np.bool_)
    return ok


ScoringRequest = risk_pb2.ScoreTransactionsRequest | risk_pb2.StreamScoresRequest
_TRANSACTIONS_FIELD = {
    t.DESCRIPTOR.full_name: t.DESCRIPTOR.fields_by_name["transactions"].number
    for t in (risk_pb2.ScoreTransactionsRequest, risk_pb2.StreamScoresRequest)
}


def screen(
    request: WireRequest | ScoringRequest, max_batch: int
) -> tuple[Columns, list[common_pb2.ItemError]]:
    """The valid transactions as columns, and an error (index, field, reason) for each other one.

    The columns come from the request's wire bytes in one compiled pass (features/wire.py) that also finds
    the plainly valid transactions; only the others are looked at field by field, in the parsed message.
    """
    if not isinstance(request, WireRequest):
        request = WireRequest.of(request)
    now = time.time()
    parsed = wire.parse(request.data, _TRANSACTIONS_FIELD[request.message_type.DESCRIPTOR.full_name], now)
    count = len(parsed.plainly_valid) if parsed is not None else len(request.message.transactions)
    if count > max_batch:
        raise InvalidArgument.field("transactions", f"at most {max_batch} transactions per batch")
    if parsed is not None and parsed.plainly_valid.all():
        return from_parsed(parsed), []
    transactions = request.message.transactions
    # The message is the reference for every row that is not plainly valid (repeated fields merge there).
    cols, raw = extract(transactions)
    ok = _plainly_valid(cols, raw, now)
    rejected = []
    for index in np.flatnonzero(~ok).tolist():
        tx = transactions[index]
        violations = transaction_violations(tx, f"transactions[{index}]", now)
        if not violations.items:
            ok[index] = True  # an odd one the quick checks do not know, but valid
            continue
        first = violations.items[0]
        rejected.append(
            common_pb2.ItemError(
                index=index,
                id=tx.transaction_id,
                field=first.field,
                description=first.description,
                code=common_pb2.ITEM_ERROR_CODE_INVALID,
            )
        )
    return cols.take(np.flatnonzero(ok)), rejected


def _micros(field: str, ts: Timestamp) -> int:
    return timestamp_micros(field, ts.seconds, ts.nanos)


def merchant_window(
    request: risk_pb2.AssessMerchantRequest, default_days: int, now_us: int
) -> tuple[str, int, int]:
    """The merchant id and the window: the configured default ending now, or what the request says."""
    v = Violations()
    check_id(v, "merchant_id", request.merchant_id)
    v.raise_if_any()
    end = _micros("window_end", request.window_end) if request.HasField("window_end") else now_us
    start = (
        _micros("window_start", request.window_start)
        if request.HasField("window_start")
        else end - default_days * DAY_US
    )
    if end <= start:
        raise InvalidArgument.field("window_end", "must be after window_start")
    return request.merchant_id, start, end


def instruction(request: risk_pb2.ReviewSettlementRequest) -> Instruction:
    v = Violations()
    if not request.HasField("instruction"):
        v.add("instruction", "is required")
        v.raise_if_any()
    i = request.instruction
    check_id(v, "instruction.instruction_id", i.instruction_id)
    check_id(v, "instruction.merchant_id", i.merchant_id)
    check_money(v, "instruction.amount", i.amount)
    if i.HasField("requested_at") and not valid_timestamp(i.requested_at.seconds, i.requested_at.nanos):
        v.add("instruction.requested_at", "is not a valid timestamp")
    v.raise_if_any()
    return Instruction(i.instruction_id, i.merchant_id, i.amount.minor_units, i.amount.currency_code)


@dataclass(frozen=True, slots=True)
class TrainingRequest:
    start_us: int | None
    end_us: int | None
    delay_days: int
    test_days: int
    activate: bool


def training(request: risk_pb2.TrainModelRequest, default_delay: int, default_test: int) -> TrainingRequest:
    v = Violations()
    if not 0 <= request.delay_days <= MAX_DAYS:
        v.add("delay_days", f"must be between 0 and {MAX_DAYS}")
    if not 0 <= request.test_days <= MAX_DAYS:
        v.add("test_days", f"must be between 1 and {MAX_DAYS} (0 for the default)")
    v.raise_if_any()
    start = _micros("start_time", request.start_time) if request.HasField("start_time") else None
    end = _micros("end_time", request.end_time) if request.HasField("end_time") else None
    if start is not None and end is not None and end <= start:
        raise InvalidArgument.field("end_time", "must be after start_time")
    return TrainingRequest(
        start,
        end,
        request.delay_days if request.delay_days else default_delay,
        request.test_days or default_test,
        request.activate,
    )


def model_version(version: str) -> str:
    v = Violations()
    check_id(v, "version", version)
    v.raise_if_any()
    return version
