"""kill -9 in the middle of the work, restart, and count: nothing acknowledged is lost or stored twice."""

from __future__ import annotations

import threading
import time

import grpc
import pytest
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk_runtime.local import ServiceSpec
from reliability_helpers import backoff, stream_until_acknowledged

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

INGEST = ServiceSpec("ingest", "payrisk_ingest", 0)
LEDGER = ServiceSpec("ledger", "payrisk_ledger", 0)
NOW = int(time.time())


def batches(total: int, size: int) -> list[ingest_pb2.IngestTransactionsRequest]:
    result = []
    for b in range(total // size):
        request = ingest_pb2.IngestTransactionsRequest(batch_id=f"b-{b:04d}")
        for i in range(b * size, (b + 1) * size):
            tx = request.transactions.add(
                transaction_id=f"crash-{i:07d}", merchant_id=f"m-{i % 50}", payer_id=f"p-{i % 997}",
                type=common_pb2.TRANSACTION_TYPE_PURCHASE, channel=common_pb2.CHANNEL_ONLINE,
            )  # fmt: skip
            tx.amount.currency_code = "CNY"
            tx.amount.minor_units = 100 + i
            tx.occurred_at.FromSeconds(NOW - 86_400 + i % 86_000)
        result.append(request)
    return result


def stored_ids(address: str) -> list[str]:
    with grpc.insecure_channel(address) as channel:
        stub = ingest_pb2_grpc.IngestServiceStub(channel)
        request = ingest_pb2.ExportTransactionsRequest(batch_size=10_000)
        return [
            r.transaction.transaction_id for page in stub.ExportTransactions(request) for r in page.records
        ]


def test_ingest_killed_mid_stream_keeps_every_acknowledged_transaction_exactly_once(stack):
    work = batches(100_000, 1000)
    ingest = stack.start(INGEST)
    stack.wait_serving(ingest)
    restarted = threading.Event()

    def crash_and_restart(acknowledged: int) -> None:
        if acknowledged == 30 and not restarted.is_set():
            restarted.set()
            stack.services["ingest"].kill()
            stack.wait_serving(stack.start(INGEST))

    acknowledged = stream_until_acknowledged(
        lambda: stack.services["ingest"].address, work, crash_and_restart
    )
    assert restarted.is_set()
    assert len(acknowledged) == len(work)
    ids = stored_ids(stack.services["ingest"].address)
    assert len(ids) == len(set(ids)) == 100_000
    # Batches acknowledged before the crash are whole; each transaction was accepted once across all attempts.
    assert (
        sum(r.accepted for r in acknowledged.values()) + sum(r.duplicates for r in acknowledged.values())
        == 100_000
    )
    assert all(not r.rejected for r in acknowledged.values())


def anchor(address: str, n: int) -> ledger_pb2.AnchorRecordsResponse:
    request = ledger_pb2.AnchorRecordsRequest(
        batch_id=f"anchor-{n:03d}",
        kind=ledger_pb2.RECORD_KIND_DECISION,
        records=[ledger_pb2.Record(record_id=f"r-{n}-{k}", content=f"{n}:{k}".encode()) for k in range(200)],
    )
    with grpc.insecure_channel(address) as channel:
        response: ledger_pb2.AnchorRecordsResponse = ledger_pb2_grpc.LedgerServiceStub(channel).AnchorRecords(
            request, timeout=10
        )
        return response


def test_ledger_killed_while_anchoring_commits_every_batch_exactly_once(stack):
    ledger = stack.start(LEDGER)
    stack.wait_serving(ledger)
    roots: dict[int, bytes] = {}

    def crash_and_restart() -> None:
        while len(roots) < 15:
            time.sleep(0.005)
        stack.services["ledger"].kill()  # whatever call is in flight dies with it
        stack.wait_serving(stack.start(LEDGER))

    crasher = threading.Thread(target=crash_and_restart)
    crasher.start()
    for n in range(40):
        for attempt in range(50):
            try:
                roots[n] = anchor(stack.services["ledger"].address, n).merkle_root
                break
            except grpc.RpcError:
                time.sleep(backoff(attempt))
    crasher.join()
    # Every batch again, as a client unsure of what landed would: the same roots, nothing new on the ledger.
    again = {n: anchor(stack.services["ledger"].address, n).merkle_root for n in range(40)}
    assert again == roots
    with grpc.insecure_channel(stack.services["ledger"].address) as channel:
        info = ledger_pb2_grpc.LedgerServiceStub(channel).GetLedgerInfo(ledger_pb2.GetLedgerInfoRequest())
    assert info.height == 40
