"""Reviewing a settlement instruction: assess the merchant on its unsettled transactions and, when it is
suspected, freeze the risky transactions' funds on the ledger, mark them FROZEN in ingest and tell the
merchant through push.

Idempotent by instruction id: the decision is stored before anything is done about it, and replaying the
instruction returns the stored decision with how far its follow-up has come. The freeze and notice ids are
derived from the instruction id, so a retry can never freeze or notify twice. What the ledger, ingest or
push did not take is retried in the background until it lands.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk.push.v1 import push_pb2
from payrisk.risk.v1 import risk_pb2
from payrisk_runtime import AlreadyExists, Backoff, FailedPrecondition, annotate

from ..clients import Downstream, is_transient
from ..convert import assessment_to_proto
from ..merchants.assessor import MerchantAssessor, MerchantResult
from ..models import SettlementReviewRow
from .store import ReviewStore

logger = logging.getLogger("payrisk.risk.settlement")
# The ledger's limit of transactions per freeze.
MAX_FROZEN_TRANSACTIONS = 10_000
MAX_ID = 128


@dataclass(frozen=True, slots=True)
class Instruction:
    instruction_id: str
    merchant_id: str
    amount_minor: int
    currency: str


def derived_id(prefix: str, instruction_id: str) -> str:
    """A stable id for what the instruction causes; hashed when the readable form would be too long."""
    readable = f"{prefix}-{instruction_id}"
    if len(readable) <= MAX_ID:
        return readable
    return f"{prefix}-{hashlib.sha256(instruction_id.encode()).hexdigest()[:40]}"


class _KeyedLocks:
    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class SettlementReviewer:
    def __init__(self, store: ReviewStore, assessor: MerchantAssessor, downstream: Downstream) -> None:
        self.store = store
        self._assessor = assessor
        self._downstream = downstream
        self._locks = _KeyedLocks()

    async def review(self, instruction: Instruction) -> risk_pb2.ReviewSettlementResponse:
        if self._downstream.ledger is None:
            raise FailedPrecondition("settlement review needs the ledger: set PAYRISK_RISK_LEDGER_ADDRESS")
        annotate(instruction_id=instruction.instruction_id, merchant_id=instruction.merchant_id)
        async with self._locks.hold(instruction.instruction_id):
            row = await asyncio.to_thread(self.store.get, instruction.instruction_id)
            if row is None:
                result, _ = await self._assessor.assess_unsettled(instruction.merchant_id)
                row = await asyncio.to_thread(self.store.insert, _decide(instruction, result))
            elif (row.merchant_id, row.amount_minor, row.currency) != (
                instruction.merchant_id,
                instruction.amount_minor,
                instruction.currency,
            ):
                raise AlreadyExists(
                    f"instruction {instruction.instruction_id} was reviewed with another merchant or amount"
                )
            if _owes(row):
                await self._follow_up(row)
                row = await asyncio.to_thread(self.store.get, instruction.instruction_id) or row
        response = current_response(row)
        annotate(
            verdict=risk_pb2.SettlementVerdict.Name(response.verdict),
            freeze_id=response.freeze_id,
            ledger_transaction_id=response.ledger_transaction_id,
        )
        return response

    async def retry_owing(self) -> int:
        """One pass over reviews that still owe a freeze, a status or a notice; returns how many it settled."""
        done = 0
        for row in await asyncio.to_thread(self.store.owing):
            async with self._locks.hold(row.instruction_id):
                fresh = await asyncio.to_thread(self.store.get, row.instruction_id)
                if fresh is not None and _owes(fresh) and await self._follow_up(fresh):
                    done += 1
        return done

    async def run(self, interval_seconds: float) -> None:
        # While something is still owed (a dependency down or hanging), passes back off exponentially with full
        # jitter, up to 8 intervals, so that a recovering ledger or push is not hit by every replica at once.
        backoff = Backoff(base_seconds=interval_seconds, max_seconds=8 * interval_seconds)
        while True:
            try:
                await self.retry_owing()
                still_owing = bool(await asyncio.to_thread(self.store.owing, 1))
            except Exception:
                logger.exception("retrying settlement follow-ups failed; will retry")
                still_owing = True
            if still_owing:
                await backoff.wait()
            else:
                backoff.reset()
                await asyncio.sleep(interval_seconds)

    async def _follow_up(self, row: SettlementReviewRow) -> bool:
        """Does what the review still owes, in order; True when nothing is owed any more."""
        d = self._downstream
        steps = []
        if not row.freeze_landed:
            steps.append(("ledger", self._freeze))
        if not row.settlement_marked:
            steps.append(("ingest", self._mark_frozen))
        if not row.notified and row.notification is not None and d.push is not None:
            steps.append(("push", self._notify))
        for service, step in steps:
            try:
                await step(row)
            except grpc.aio.AioRpcError as error:
                blocked = not is_transient(error)
                message = f"{service}: {error.code().name} {error.details()}"
                (logger.error if blocked else logger.warning)(
                    "settlement %s: %s%s",
                    row.instruction_id,
                    message,
                    " (needs an operator)" if blocked else "",
                )
                await asyncio.to_thread(self.store.failed, row.instruction_id, message, blocked=blocked)
                return False
        return d.push is not None or row.notification is None

    async def _freeze(self, row: SettlementReviewRow) -> None:
        ledger = self._downstream.ledger
        assert ledger is not None
        assert row.freeze_request is not None
        request = ledger_pb2.FreezeFundsRequest.FromString(row.freeze_request)
        response = await ledger.FreezeFunds(request, timeout=self._downstream.deadline_seconds)
        await asyncio.to_thread(self.store.freeze_landed, row.instruction_id, response.commit.transaction_id)
        row.freeze_landed = True
        logger.info("settlement %s: funds frozen (%s)", row.instruction_id, request.freeze_id)

    async def _mark_frozen(self, row: SettlementReviewRow) -> None:
        ingest = self._downstream.need_ingest()
        assert row.freeze_request is not None
        ids = ledger_pb2.FreezeFundsRequest.FromString(row.freeze_request).transaction_ids
        await ingest.UpdateSettlementStatus(
            ingest_pb2.UpdateSettlementStatusRequest(
                transaction_ids=ids, status=common_pb2.SETTLEMENT_STATUS_FROZEN
            ),
            timeout=self._downstream.deadline_seconds,
        )
        await asyncio.to_thread(self.store.settlement_marked, row.instruction_id)
        row.settlement_marked = True

    async def _notify(self, row: SettlementReviewRow) -> None:
        push = self._downstream.push
        assert push is not None
        assert row.notification is not None
        notice = push_pb2.Notification.FromString(row.notification)
        response = await push.Notify(
            push_pb2.NotifyRequest(notifications=[notice]), timeout=self._downstream.deadline_seconds
        )
        if response.rejected:
            error = response.rejected[0]
            logger.error(
                "settlement %s: push refused the notice: %s %s",
                row.instruction_id,
                error.field,
                error.description,
            )
            await asyncio.to_thread(
                self.store.failed, row.instruction_id, f"push: {error.description}", blocked=True
            )
            return
        await asyncio.to_thread(self.store.notified, row.instruction_id)
        row.notified = True


def _owes(row: SettlementReviewRow) -> bool:
    return (
        row.freeze_request is not None
        and not row.blocked
        and not (row.freeze_landed and row.settlement_marked and row.notified)
    )


def _decide(instruction: Instruction, result: MerchantResult) -> SettlementReviewRow:
    """The stored decision: proceed, or freeze the risky transactions in the instruction's currency."""
    a = result.assessment
    now_us = time.time_ns() // 1000
    response = risk_pb2.ReviewSettlementResponse(
        instruction_id=instruction.instruction_id,
        verdict=risk_pb2.SETTLEMENT_VERDICT_PROCEED,
        assessment=assessment_to_proto(result),
    )
    row = SettlementReviewRow(
        instruction_id=instruction.instruction_id,
        merchant_id=instruction.merchant_id,
        amount_minor=instruction.amount_minor,
        currency=instruction.currency,
        response=b"",
        created_at_us=now_us,
        updated_at_us=now_us,
    )
    frozen = [t for t in a.risky if t.currency == instruction.currency][:MAX_FROZEN_TRANSACTIONS]
    if a.suspected and frozen:
        freeze = ledger_pb2.FreezeFundsRequest(
            freeze_id=derived_id("freeze", instruction.instruction_id),
            merchant_id=instruction.merchant_id,
            instruction_id=instruction.instruction_id,
            amount=common_pb2.Money(
                currency_code=instruction.currency, minor_units=sum(t.amount_minor for t in frozen)
            ),
            transaction_ids=[t.transaction_id for t in frozen],
            reason=(
                f"settlement review {instruction.instruction_id}: suspected merchant "
                f"(risk {common_pb2.RiskLevel.Name(a.level).removeprefix('RISK_LEVEL_').lower()}, "
                f"score {a.score:.2f}); {len(frozen)} risky transactions"
            ),
        )
        response.verdict = risk_pb2.SETTLEMENT_VERDICT_FREEZE_PENDING
        response.freeze_id = freeze.freeze_id
        response.frozen_amount.CopyFrom(freeze.amount)
        response.frozen_transaction_ids.extend(freeze.transaction_ids)
        row.freeze_request = freeze.SerializeToString(deterministic=True)
        row.notification = _notice(freeze, now_us).SerializeToString(deterministic=True)
    else:
        # Nothing to freeze (not suspected, or no risky transaction in this currency): nothing is owed.
        row.freeze_landed = row.settlement_marked = row.notified = True
    row.response = response.SerializeToString(deterministic=True)
    return row


def _notice(freeze: ledger_pb2.FreezeFundsRequest, now_us: int) -> push_pb2.Notification:
    amount = f"{freeze.amount.minor_units / 100:,.2f} {freeze.amount.currency_code}"
    count = len(freeze.transaction_ids)
    notice = push_pb2.Notification(
        notification_id=derived_id("funds-frozen", freeze.instruction_id),
        kind=push_pb2.NOTIFICATION_KIND_FUNDS_FROZEN,
        merchant_id=freeze.merchant_id,
        title="资金冻结 Funds frozen",
        body=(
            f"结算 {freeze.instruction_id} 中 {count} 笔交易的资金（{amount}）已冻结，待风险审核。 "
            f"The funds of {count} transactions ({amount}) in settlement {freeze.instruction_id} are frozen "
            "pending a risk review."
        ),
        data={
            "freeze_id": freeze.freeze_id,
            "instruction_id": freeze.instruction_id,
            "amount_minor": str(freeze.amount.minor_units),
            "currency": freeze.amount.currency_code,
            "transactions": str(count),
        },
    )
    # Fixed at decision time, so that every retry sends the very same notice.
    notice.created_at.FromMicroseconds(now_us)
    return notice


def current_response(row: SettlementReviewRow) -> risk_pb2.ReviewSettlementResponse:
    """The stored decision with how far its follow-up has come."""
    response = risk_pb2.ReviewSettlementResponse.FromString(row.response)
    if row.freeze_request is not None:
        if row.freeze_landed:
            response.verdict = risk_pb2.SETTLEMENT_VERDICT_FROZEN
            response.ledger_transaction_id = row.ledger_transaction_id
        response.merchant_notified = row.notified
    return response
