"""Fabric nodes killed (`kill -9`) while the ledger service is freezing funds and anchoring batches, then
restarted: every freeze asked for is on the chain exactly once, and every batch is anchored with its root.

Callers retry what the ledger could not confirm, with the same ids, as risk and ingest do.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import uuid
from pathlib import Path

import grpc
import pytest
from payrisk.common.v1 import common_pb2
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk_ledger.app import start
from payrisk_ledger.settings import LedgerSettings
from payrisk_runtime.local import start_fabric

pytestmark = [pytest.mark.fabric, pytest.mark.slow, pytest.mark.timeout(900)]

REPO_ROOT = Path(__file__).resolve().parents[2]
NETWORK_SH = REPO_ROOT / "deploy" / "fabric" / "network.sh"
PIDS = REPO_ROOT / ".payrisk" / "fabric" / "pids"
RETRIABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


@pytest.fixture(scope="module")
def network_file() -> Path:
    network = start_fabric(REPO_ROOT)
    if network.network_file is None:
        pytest.skip(f"no Fabric binaries: {network.reason}")
    return network.network_file


@pytest.fixture
async def ledger(network_file: Path, tmp_path: Path):
    app = await start(
        LedgerSettings(
            backend="fabric",
            fabric_network_file=network_file,
            database_url=f"sqlite:///{tmp_path / 'ledger.db'}",
            port=0,
            data_dir=tmp_path,
            outbox_retry_seconds=0.5,
        )
    )
    try:
        async with grpc.aio.insecure_channel(app.address) as channel:
            yield ledger_pb2_grpc.LedgerServiceStub(channel)
    finally:
        await app.stop()


async def until_confirmed(call, request, attempts: int = 120):  # type: ignore[no-untyped-def]
    """What risk's and ingest's retry loops do: the same request again until the ledger confirms it."""
    for _ in range(attempts):
        try:
            return await call(request, timeout=20)
        except grpc.aio.AioRpcError as error:
            if error.code() not in RETRIABLE:
                raise
            await asyncio.sleep(0.5)
    raise AssertionError(f"never confirmed: {request}")


def freeze(run: str, n: int) -> ledger_pb2.FreezeFundsRequest:
    return ledger_pb2.FreezeFundsRequest(
        freeze_id=f"{run}-fz-{n}",
        merchant_id=f"{run}-m",
        instruction_id=f"{run}-ins-{n}",
        amount=common_pb2.Money(currency_code="CNY", minor_units=10_000 + n),
        transaction_ids=[f"{run}-tx-{n}"],
        reason="fault test",
    )


def anchor(run: str, n: int) -> ledger_pb2.AnchorRecordsRequest:
    records = [ledger_pb2.Record(record_id=f"r{i}", content=f"{run} {n} {i}".encode()) for i in range(20)]
    return ledger_pb2.AnchorRecordsRequest(
        batch_id=f"{run}-batch-{n}", kind=ledger_pb2.RECORD_KIND_DECISION, records=records
    )


def kill_and_restart(node: str, down_seconds: float) -> None:
    pid = int((PIDS / f"{node}.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    # Long enough for writes in flight to fail and be retried.
    subprocess.run(["sleep", str(down_seconds)], check=True)
    started = subprocess.run(
        ["bash", str(NETWORK_SH), "start-node", node],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert started.returncode == 0, started.stderr


@pytest.mark.parametrize("node", ["orderer", "peer0.org2"])
async def test_a_killed_node_loses_no_freeze_and_no_anchor_and_duplicates_none(ledger, node):
    run = f"fault-{uuid.uuid4().hex[:10]}"
    count = 24
    work = [until_confirmed(ledger.FreezeFunds, freeze(run, n)) for n in range(count)]
    work += [until_confirmed(ledger.AnchorRecords, anchor(run, n)) for n in range(count)]
    writes = asyncio.gather(*work)
    await asyncio.sleep(0.3)  # some writes land before the crash, the rest during and after
    await asyncio.to_thread(kill_and_restart, node, 3)
    results = await writes

    freezes = results[:count]
    assert all(r.freeze.status == ledger_pb2.FREEZE_STATUS_FROZEN for r in freezes)
    listed = await ledger.ListFreezes(ledger_pb2.ListFreezesRequest(merchant_id=f"{run}-m"))
    assert sorted(f.freeze_id for f in listed.freezes) == sorted(f"{run}-fz-{n}" for n in range(count))
    for n in range(count):
        history = await ledger.GetHistory(ledger_pb2.GetHistoryRequest(freeze_id=f"{run}-fz-{n}"))
        assert len(history.entries) == 1  # created once, however often it was asked for

    for n, anchored in enumerate(results[count:]):
        again = await ledger.AnchorRecords(anchor(run, n))
        assert again.commit == anchored.commit  # one ledger transaction per batch
        verified = await ledger.VerifyReceipt(
            ledger_pb2.VerifyReceiptRequest(receipt=anchored.receipts[3], content=f"{run} {n} 3".encode())
        )
        assert verified.valid, verified.reason
