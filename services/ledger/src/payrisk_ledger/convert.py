"""Between the ledger's protobuf messages and its domain types, validating what comes in."""

from __future__ import annotations

from payrisk.common.v1 import common_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk_runtime import InvalidArgument
from payrisk_runtime.validation import Violations, check_id, check_money

from .ledger import Receipt, Record
from .merkle import ProofStep
from .model import Commit, Freeze, FreezeStatus, HistoryEntry

_KINDS = {
    ledger_pb2.RECORD_KIND_DECISION: "decision",
    ledger_pb2.RECORD_KIND_DEVICE_VERDICT: "device_verdict",
    ledger_pb2.RECORD_KIND_BILL_BATCH: "bill_batch",
    ledger_pb2.RECORD_KIND_SETTLEMENT_REVIEW: "settlement_review",
}
MAX_TRANSACTIONS_PER_FREEZE = 10_000
MAX_TEXT = 1024


def freeze_from_request(request: ledger_pb2.FreezeFundsRequest) -> Freeze:
    v = Violations()
    check_id(v, "freeze_id", request.freeze_id)
    check_id(v, "merchant_id", request.merchant_id)
    check_id(v, "instruction_id", request.instruction_id, required=False)
    check_money(v, "amount", request.amount)
    if not request.transaction_ids:
        v.add("transaction_ids", "at least one transaction is frozen")
    elif len(request.transaction_ids) > MAX_TRANSACTIONS_PER_FREEZE:
        v.add("transaction_ids", f"at most {MAX_TRANSACTIONS_PER_FREEZE} per freeze")
    for i, transaction_id in enumerate(request.transaction_ids):
        check_id(v, f"transaction_ids[{i}]", transaction_id)
    if len(request.transaction_ids) != len(set(request.transaction_ids)):
        v.add("transaction_ids", "must not repeat")
    if not request.reason or len(request.reason) > MAX_TEXT:
        v.add("reason", f"is required, at most {MAX_TEXT} characters")
    v.raise_if_any()
    return Freeze(
        freeze_id=request.freeze_id,
        merchant_id=request.merchant_id,
        instruction_id=request.instruction_id,
        amount_minor=request.amount.minor_units,
        currency=request.amount.currency_code,
        transaction_ids=tuple(request.transaction_ids),
        reason=request.reason,
    )


def check_release(request: ledger_pb2.ReleaseFundsRequest) -> None:
    v = Violations()
    check_id(v, "freeze_id", request.freeze_id)
    if not request.reason or len(request.reason) > MAX_TEXT:
        v.add("reason", f"is required, at most {MAX_TEXT} characters")
    v.raise_if_any()


def freeze_to_proto(freeze: Freeze) -> ledger_pb2.Freeze:
    message = ledger_pb2.Freeze(
        freeze_id=freeze.freeze_id,
        merchant_id=freeze.merchant_id,
        instruction_id=freeze.instruction_id,
        amount=common_pb2.Money(currency_code=freeze.currency, minor_units=freeze.amount_minor),
        transaction_ids=freeze.transaction_ids,
        reason=freeze.reason,
        status=ledger_pb2.FREEZE_STATUS_FROZEN
        if freeze.status == FreezeStatus.FROZEN
        else ledger_pb2.FREEZE_STATUS_RELEASED,
        release_reason=freeze.release_reason,
    )
    if freeze.created_at_us:
        message.created_at.FromMicroseconds(freeze.created_at_us)
    if freeze.released_at_us:
        message.released_at.FromMicroseconds(freeze.released_at_us)
    return message


def commit_to_proto(commit: Commit | None) -> ledger_pb2.Commit | None:
    if commit is None:
        return None
    return ledger_pb2.Commit(transaction_id=commit.transaction_id, block_number=commit.block_number)


def history_to_proto(entry: HistoryEntry) -> ledger_pb2.HistoryEntry:
    message = ledger_pb2.HistoryEntry(
        transaction_id=entry.transaction_id, freeze=freeze_to_proto(entry.freeze)
    )
    message.timestamp.FromMicroseconds(entry.timestamp_us)
    return message


def records_from_request(
    request: ledger_pb2.AnchorRecordsRequest, max_records: int
) -> tuple[str, list[Record]]:
    v = Violations()
    check_id(v, "batch_id", request.batch_id)
    kind = _KINDS.get(request.kind)
    if kind is None:
        v.add("kind", "is required")
    if not request.records:
        v.add("records", "at least one record is anchored")
    elif len(request.records) > max_records:
        v.add("records", f"at most {max_records} records per batch")
    seen: set[str] = set()
    for i, record in enumerate(request.records):
        check_id(v, f"records[{i}].record_id", record.record_id)
        if record.record_id in seen:
            v.add(f"records[{i}].record_id", "repeats an earlier record of this batch")
        seen.add(record.record_id)
        if len(v.items) > 20:
            break
    if v:
        raise InvalidArgument(v.items)
    return kind or "", [Record(r.record_id, r.content) for r in request.records]


def receipt_to_proto(receipt: Receipt) -> ledger_pb2.Receipt:
    return ledger_pb2.Receipt(
        record_id=receipt.record_id,
        batch_id=receipt.batch_id,
        leaf_index=receipt.leaf_index,
        leaf_hash=receipt.leaf_hash,
        proof=[
            ledger_pb2.ProofStep(sibling_hash=s.sibling, sibling_on_left=s.sibling_on_left)
            for s in receipt.proof
        ],
        merkle_root=receipt.merkle_root,
        commit=commit_to_proto(receipt.commit),
    )


def receipt_from_proto(message: ledger_pb2.Receipt) -> Receipt:
    v = Violations()
    check_id(v, "receipt.batch_id", message.batch_id)
    if len(message.leaf_hash) != 32:
        v.add("receipt.leaf_hash", "must be a 32-byte SHA-256 hash")
    if len(message.merkle_root) != 32:
        v.add("receipt.merkle_root", "must be a 32-byte SHA-256 hash")
    for i, step in enumerate(message.proof):
        if len(step.sibling_hash) != 32:
            v.add(f"receipt.proof[{i}].sibling_hash", "must be a 32-byte SHA-256 hash")
    v.raise_if_any()
    return Receipt(
        record_id=message.record_id,
        batch_id=message.batch_id,
        leaf_index=message.leaf_index,
        leaf_hash=message.leaf_hash,
        proof=tuple(ProofStep(s.sibling_hash, s.sibling_on_left) for s in message.proof),
        merkle_root=message.merkle_root,
        commit=None,
    )
