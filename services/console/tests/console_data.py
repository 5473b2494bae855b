"""A small world for the console's tests, loaded through the public APIs: a shell merchant and ordinary ones
nearby, their transactions (scored by risk as ingest takes them, anchored on the ledger), a terminal with
offline bills and a gap, and a settlement review that freezes the shell merchant's funds."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from ingest_factories import Terminal
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.risk.v1 import risk_pb2
from risk_factories import DAY, NOW, merchant, transaction

SHELL = "m-shell"
GOOD = "m-good"
PEERS = [f"m-near-{i}" for i in range(3)]
DEVICE = "dev-console-1"


@dataclass
class World:
    freeze_id: str
    flagged: list[str]
    all_ids: list[str]


def merchants() -> list[common_pb2.Merchant]:
    return [
        # Remote, thinly capitalised, an unusual legal form: everything a shell company looks like.
        merchant(SHELL, lat=31.2305, lon=121.4705, capital=500_000, registration_type="shell_offshore"),
        merchant(GOOD),
        *[merchant(m, lat=31.23 + (i + 1) * 0.001) for i, m in enumerate(PEERS)],
    ]


def transactions() -> list[common_pb2.Transaction]:
    shell = [
        transaction(
            i,
            transaction_id=f"shell-{i}",
            merchant_id=SHELL,
            payer_id=f"mule-{i % 3}",
            card_id=f"mule-card-{i % 3}",
            type=common_pb2.TRANSACTION_TYPE_TRANSFER if i % 2 else common_pb2.TRANSACTION_TYPE_CASH_OUT,
            amount=4_990_000 - i * 100,
            fee=0,
            occurred_at=NOW - 2 * DAY + i * 600,
        )
        for i in range(12)
    ]
    good = [
        transaction(i, transaction_id=f"good-{i}", merchant_id=GOOD, occurred_at=NOW - DAY + i * 300)
        for i in range(20)
    ]
    peers = [
        transaction(i, transaction_id=f"{m}-{i}", merchant_id=m, occurred_at=NOW - DAY + i * 900)
        for m in PEERS
        for i in range(5)
    ]
    return shell + good + peers


async def decided(ingest, ids: list[str]) -> list[ingest_pb2.TransactionRecord]:
    return [
        (await ingest.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id=i))).record for i in ids
    ]


async def load(ingest, risk) -> World:
    await ingest.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=merchants()))
    terminal = Terminal(DEVICE, GOOD)
    await ingest.RegisterDevices(ingest_pb2.RegisterDevicesRequest(devices=[terminal.device()]))
    txs = transactions()
    responses = [
        r
        async for r in ingest.IngestTransactions(
            iter([ingest_pb2.IngestTransactionsRequest(batch_id="console-1", transactions=txs)])
        )
    ]
    assert responses[0].accepted == len(txs), responses[0].rejected
    assert responses[0].scoring_state == ingest_pb2.SCORING_STATE_SCORED
    # Bills 1, 2 and 5: numbers 3 and 4 are missing, a gap the device assessment finds.
    await ingest.SyncOfflineBills(
        ingest_pb2.SyncOfflineBillsRequest(bills=[terminal.bill(s) for s in (1, 2, 5)])
    )
    review = risk_pb2.ReviewSettlementRequest(
        instruction=risk_pb2.SettlementInstruction(
            instruction_id="instr-console-1",
            merchant_id=SHELL,
            amount=common_pb2.Money(currency_code="CNY", minor_units=10_000_000),
        )
    )
    review.instruction.requested_at.FromSeconds(NOW)
    reviewed = await risk.ReviewSettlement(review)
    assert reviewed.verdict == risk_pb2.SETTLEMENT_VERDICT_FROZEN, reviewed
    ids = [t.transaction_id for t in txs]
    await anchored(ingest, ids)
    records = await decided(ingest, ids)
    flagged = [
        r.transaction.transaction_id
        for r in records
        if r.decision.outcome in (common_pb2.OUTCOME_REVIEW, common_pb2.OUTCOME_DECLINE)
    ]
    return World(reviewed.freeze_id, flagged, ids)


async def anchored(ingest, ids: list[str], within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        records = await decided(ingest, ids)
        if all(r.HasField("decision_receipt") for r in records):
            return
        assert asyncio.get_running_loop().time() < deadline, "decisions were not anchored in time"
        await asyncio.sleep(0.2)
