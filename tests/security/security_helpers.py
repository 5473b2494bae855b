"""What the security tests share (and the reliability tests borrow): reading how a call ended, and a
merchant whose settlement gets frozen."""

from __future__ import annotations

from typing import Any

import grpc
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.risk.v1 import risk_pb2
from risk_factories import DAY, NOW, merchant, transaction


async def code_of(call: Any) -> grpc.StatusCode:
    """The status a unary call ends with (OK when it succeeds)."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def refusal(call: Any) -> grpc.aio.AioRpcError:
    """The error a call must end with."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error
    raise AssertionError("the call succeeded")


def shell_merchant(
    merchant_id: str,
) -> tuple[ingest_pb2.RegisterMerchantsRequest, ingest_pb2.IngestTransactionsRequest]:
    """A merchant that looks like a shell company (remote, thinly capitalised, an odd legal form) with large
    transfers and cash-outs, and three ordinary neighbours: a settlement review freezes its funds."""
    neighbours = [merchant(f"{merchant_id}-near-{i}", lat=31.23 + i * 0.001) for i in range(3)]
    shell = merchant(merchant_id, lat=43.9, lon=87.6, capital=500_000, registration_type="shell_offshore")
    transactions = [
        transaction(
            i, transaction_id=f"{merchant_id}-tx-{i}", merchant_id=merchant_id, payer_id=f"mule-{i % 3}",
            card_id=f"mule-card-{i % 3}", fee=0, amount=4_990_000 - i * 100, occurred_at=NOW - 2 * DAY + i * 600,
            type=common_pb2.TRANSACTION_TYPE_TRANSFER if i % 2 else common_pb2.TRANSACTION_TYPE_CASH_OUT,
        )
        for i in range(12)
    ]  # fmt: skip
    return (
        ingest_pb2.RegisterMerchantsRequest(merchants=[shell, *neighbours]),
        ingest_pb2.IngestTransactionsRequest(batch_id=f"{merchant_id}-batch", transactions=transactions),
    )


async def load_shell_merchant(ingest: Any, merchant_id: str) -> None:
    merchants, batch = shell_merchant(merchant_id)
    await ingest.RegisterMerchants(merchants)
    [response] = [r async for r in ingest.IngestTransactions(iter([batch]))]
    assert response.accepted + response.duplicates == len(batch.transactions), response.rejected


def settlement(instruction_id: str, merchant_id: str) -> risk_pb2.ReviewSettlementRequest:
    request = risk_pb2.ReviewSettlementRequest(
        instruction=risk_pb2.SettlementInstruction(
            instruction_id=instruction_id,
            merchant_id=merchant_id,
            amount=common_pb2.Money(currency_code="CNY", minor_units=10_000_000),
        )
    )
    request.instruction.requested_at.FromSeconds(NOW)
    return request
