"""What analysts and operators change through the console: labels, freeze releases, the active model.

Each is safe to repeat. A label is stored by transaction id; a release that the ledger already holds is
picked up where it stopped (transactions back to unsettled, the merchant's notice, whose id and content are
derived from the freeze, so a retry never notifies twice).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import grpc
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk.push.v1 import push_pb2
from payrisk.risk.v1 import risk_pb2

from .display import money
from .errors import ServiceError
from .services import Services, call

LABELS = {"fraud": common_pb2.FRAUD_LABEL_FRAUD, "legitimate": common_pb2.FRAUD_LABEL_LEGITIMATE}
MAX_ID = 128


def derived_id(prefix: str, source_id: str) -> str:
    """A stable id for what an action causes; hashed when the readable form would be too long."""
    readable = f"{prefix}-{source_id}"
    if len(readable) <= MAX_ID:
        return readable
    return f"{prefix}-{hashlib.sha256(source_id.encode()).hexdigest()[:40]}"


async def label_transaction(
    services: Services, transaction_id: str, label: str, scenario: str, analyst: str
) -> ingest_pb2.LabelTransactionsResponse:
    entry = ingest_pb2.TransactionLabel(
        transaction_id=transaction_id, label=LABELS[label], source=f"analyst:{analyst}", scenario=scenario
    )
    entry.labeled_at.FromNanoseconds(time.time_ns())
    response: ingest_pb2.LabelTransactionsResponse = await call(
        "ingest",
        services.reader.ingest.LabelTransactions(
            ingest_pb2.LabelTransactionsRequest(labels=[entry]), timeout=services.deadline
        ),
    )
    if response.rejected:
        rejected = response.rejected[0]
        raise ServiceError(
            "ingest", grpc.StatusCode.INVALID_ARGUMENT, f"{rejected.field}: {rejected.description}"
        )
    return response


@dataclass
class Released:
    freeze: ledger_pb2.Freeze
    # Where the release landed on the ledger; unset when it had been released before.
    commit: ledger_pb2.Commit | None
    transactions_unfrozen: int = 0
    merchant_notified: bool = False
    # What did not happen yet, by service; releasing again finishes it.
    pending: dict[str, str] = field(default_factory=dict)


def _release_notice(freeze: ledger_pb2.Freeze) -> push_pb2.Notification:
    count = len(freeze.transaction_ids)
    amount = money(freeze.amount)
    notice = push_pb2.Notification(
        notification_id=derived_id("funds-released", freeze.freeze_id),
        kind=push_pb2.NOTIFICATION_KIND_FUNDS_RELEASED,
        merchant_id=freeze.merchant_id,
        title="资金解冻 Funds released",
        body=(
            f"结算 {freeze.instruction_id} 中 {count} 笔交易的资金（{amount}）已解冻。 "
            f"The funds of {count} transactions ({amount}) in settlement {freeze.instruction_id} are released."
        ),
        data={
            "freeze_id": freeze.freeze_id,
            "instruction_id": freeze.instruction_id,
            "amount_minor": str(freeze.amount.minor_units),
            "currency": freeze.amount.currency_code,
            "transactions": str(count),
        },
    )
    # The ledger's release time, so every retry sends the very same notice.
    notice.created_at.CopyFrom(freeze.released_at)
    return notice


async def release_freeze(services: Services, freeze_id: str, reason: str, operator: str) -> Released:
    """Releases a freeze on the ledger (with the operator's credentials), marks its transactions unsettled in
    ingest and tells the merchant through push."""
    stubs, deadline = services.operator, services.deadline
    try:
        response = await call(
            "ledger",
            stubs.ledger.ReleaseFunds(
                ledger_pb2.ReleaseFundsRequest(freeze_id=freeze_id, reason=f"{reason} (by {operator})"),
                timeout=deadline,
            ),
        )
        released = Released(response.freeze, response.commit)
    except ServiceError as error:
        if error.code != grpc.StatusCode.FAILED_PRECONDITION:
            raise
        current = await call(
            "ledger",
            stubs.ledger.GetFreeze(ledger_pb2.GetFreezeRequest(freeze_id=freeze_id), timeout=deadline),
        )
        if current.freeze.status != ledger_pb2.FREEZE_STATUS_RELEASED:
            raise
        released = Released(current.freeze, None)
    freeze = released.freeze
    try:
        updated = await call(
            "ingest",
            stubs.ingest.UpdateSettlementStatus(
                ingest_pb2.UpdateSettlementStatusRequest(
                    transaction_ids=list(freeze.transaction_ids),
                    status=common_pb2.SETTLEMENT_STATUS_UNSETTLED,
                ),
                timeout=deadline,
            ),
        )
        released.transactions_unfrozen = updated.updated
    except ServiceError as error:
        released.pending["ingest"] = error.message
    try:
        notified = await call(
            "push",
            stubs.push.Notify(
                push_pb2.NotifyRequest(notifications=[_release_notice(freeze)]), timeout=deadline
            ),
        )
        if notified.rejected:
            released.pending["push"] = notified.rejected[0].description
        else:
            released.merchant_notified = True
    except ServiceError as error:
        released.pending["push"] = error.message
    return released


async def activate_model(services: Services, version: str) -> risk_pb2.ModelInfo:
    response = await call(
        "risk",
        services.operator.risk.ActivateModel(
            risk_pb2.ActivateModelRequest(version=version), timeout=services.deadline
        ),
    )
    model: risk_pb2.ModelInfo = response.model
    return model
