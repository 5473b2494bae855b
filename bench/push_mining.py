"""Mining offline bills: 1,000,000 through push's miner, and a smaller run end to end through ingest.

1. In process: generated offline bills, serialised as they come off the wire, are fed page by page (10,000 bills)
   to push's Miner, which parses, segments, learns the topic model and every table, saves the model to SQLite
   and publishes the ranking view. Baselines over the same bills in the same run: a plain pass (parse, hash the
   description words, count bills per merchant) and scikit-learn's online LDA (on a slice; bills/s compared).
2. End to end: ingest and push as their own processes; signed bills synced to ingest, then MineBills, which
   pulls them through ingest's export stream. Baseline: the same export read by a bare client.

    python bench/push_mining.py [--bills 1000000] [--e2e-bills 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import numpy as np
import pyarrow.compute as pc
from _harness import report
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk_ingest.importer import transactions_from_table
from payrisk_ingest.synthetic import (
    GeneratorConfig,
    build_world,
    iter_batches,
    iter_transaction_batches,
    registrations,
    to_arrow,
)
from payrisk_push import collector
from payrisk_push.app import MIGRATIONS
from payrisk_push.mining.miner import Miner
from payrisk_push.mining.source import Page
from payrisk_push.mining.state import MiningState
from payrisk_runtime import create_db_engine, migrate
from payrisk_runtime.local import LocalStack, ServiceSpec
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import HashingVectorizer

PAGE = 10_000
# Share of generated transactions that are offline bills (terminals without a network).
OFFLINE_SHARE = 0.26
SKLEARN_SLICE = 50_000


def offline_bills(count: int, seed: int) -> Iterator[bytes]:
    """`count` generated offline bills, serialised."""
    config = GeneratorConfig(transactions=int(count / OFFLINE_SHARE * 1.05), seed=seed, batch_size=100_000)
    made = 0
    for batch in iter_transaction_batches(config):
        table = to_arrow(batch)
        for tx in transactions_from_table(table.filter(pc.equal(table["channel"], "offline"))):
            yield tx.SerializeToString()
            made += 1
            if made == count:
                return


def export_pages(bills: list[bytes]) -> list[bytes]:
    """The bills as ingest's export sends them: serialised pages of records (built here, not timed)."""
    pages = []
    for start in range(0, len(bills), PAGE):
        records = [
            ingest_pb2.TransactionRecord(
                transaction=common_pb2.Transaction.FromString(b), sequence=start + i + 1
            )
            for i, b in enumerate(bills[start : start + PAGE])
        ]
        cursor = start + len(records)
        pages.append(
            ingest_pb2.ExportTransactionsResponse(records=records, cursor=cursor).SerializeToString()
        )
    return pages


class WireBills:
    """A bill source over serialised export pages, handed over as they come off a gRPC stream."""

    def __init__(self, pages: list[bytes]) -> None:
        self._pages = pages

    async def pages(self, after: int) -> AsyncIterator[Page]:
        for page in self._pages[after // PAGE :]:
            yield Page(page)


def plain_pass(bills: list[bytes]) -> float:
    started = time.perf_counter()
    vectorizer = HashingVectorizer(n_features=2**16, alternate_sign=False, norm=None)
    merchants: dict[str, int] = {}
    for start in range(0, len(bills), PAGE):
        page = [common_pb2.Transaction.FromString(b) for b in bills[start : start + PAGE]]
        vectorizer.transform([tx.description for tx in page])
        rows = [merchants.setdefault(tx.merchant_id, len(merchants)) for tx in page]
        np.bincount(rows, minlength=len(merchants))
    return time.perf_counter() - started


def sklearn_lda(bills: list[bytes], topics: int) -> float:
    """Bills per second of scikit-learn's online LDA, one document per bill, on a slice."""
    started = time.perf_counter()
    vectorizer = HashingVectorizer(n_features=2**14, alternate_sign=False, norm=None)
    lda = LatentDirichletAllocation(n_components=topics, learning_method="online", random_state=0)
    for start in range(0, len(bills), 2048):
        page = [common_pb2.Transaction.FromString(b) for b in bills[start : start + 2048]]
        counts = vectorizer.transform([f"{tx.description} {' '.join(tx.business_tags)}" for tx in page])
        lda.partial_fit(counts)
        lda.transform(counts)
    return len(bills) / (time.perf_counter() - started)


async def in_process(count: int, topics: int) -> list[tuple[str, str]]:
    started = time.perf_counter()
    bills = list(offline_bills(count, seed=3))
    made = time.perf_counter() - started
    pages = export_pages(bills)
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_db_engine(f"sqlite:///{Path(tmp) / 'push.db'}")
        migrate(engine, MIGRATIONS)
        miner = Miner(MiningState(engine), WireBills(pages), topics)
        collector.settle()  # as the push process does once started
        run = await miner.mine()
        engine.dispose()
        saved = await asyncio.to_thread(lambda: Path(tmp, "push.db").stat().st_size)
    view = miner.view
    plain = plain_pass(bills)
    reference = sklearn_lda(bills[:SKLEARN_SLICE], topics)
    rate = run.bills / run.seconds
    return [
        ("bills generated", f"{len(bills):,} in {made:.0f} s (not timed below)"),
        (
            "push mining, end to end",
            f"{run.seconds:.1f} s = {rate:,.0f} bills/s   (target < 60 s for 1,000,000)",
        ),
        (
            "  learnt",
            f"{view.merchants:,} merchants, {len(view.users.bills):,} users, {view.topics} topics, "
            f"{len(miner.model.documents):,} distinct bill texts; model saved: {saved / 1e6:.0f} MB",
        ),
        (
            "baseline: plain pass",
            f"{plain:.1f} s (parse, hash words, count per merchant); push = {run.seconds / plain:.1f}x",
        ),
        (
            "baseline: scikit-learn LDA",
            f"{reference:,.0f} bills/s on {SKLEARN_SLICE:,} bills; push = {rate / reference:.1f}x",
        ),
    ]


async def through_ingest(count: int) -> list[tuple[str, str]]:
    config = GeneratorConfig(transactions=int(count / OFFLINE_SHARE * 1.05), seed=8, batch_size=20_000)
    world = build_world(config)
    with tempfile.TemporaryDirectory() as tmp:
        stack = LocalStack(
            Path(tmp), {"PAYRISK_PUSH_LOG_LEVEL": "WARNING", "PAYRISK_INGEST_LOG_LEVEL": "WARNING"}
        )
        try:
            ingest_service = stack.start(ServiceSpec("ingest", "payrisk_ingest", 0))
            stack.wait_serving(ingest_service)
            push_service = stack.start(
                ServiceSpec("push", "payrisk_push", 0),
                {
                    "PAYRISK_PUSH_INGEST_ADDRESS": ingest_service.address,
                    "PAYRISK_PUSH_MINING_INTERVAL_SECONDS": "3600",
                },
            )
            stack.wait_serving(push_service)
            async with (
                grpc.aio.insecure_channel(ingest_service.address) as ingest_channel,
                grpc.aio.insecure_channel(push_service.address) as push_channel,
            ):
                ingest = ingest_pb2_grpc.IngestServiceStub(ingest_channel)
                merchants, devices = registrations(world)
                await ingest.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=merchants))
                await ingest.RegisterDevices(ingest_pb2.RegisterDevicesRequest(devices=devices))
                synced = 0
                for batch in iter_batches(config, world):
                    bills = list(batch.bills.bills)[: count - synced]
                    for start in range(0, len(bills), 2000):
                        response = await ingest.SyncOfflineBills(
                            ingest_pb2.SyncOfflineBillsRequest(bills=bills[start : start + 2000])
                        )
                        synced += response.accepted
                    if synced >= count:
                        break
                started = time.perf_counter()
                exported = 0
                request = ingest_pb2.ExportTransactionsRequest(
                    channel=common_pb2.CHANNEL_OFFLINE, batch_size=PAGE
                )
                async for page in ingest.ExportTransactions(request):
                    exported += len(page.records)
                export_seconds = time.perf_counter() - started
                started = time.perf_counter()
                mined = await push_pb2_grpc.PushServiceStub(push_channel).MineBills(
                    push_pb2.MineBillsRequest()
                )
                mine_seconds = time.perf_counter() - started
        finally:
            stack.stop_all()
    return [
        ("bills synced to ingest", f"{synced:,}"),
        (
            "MineBills through ingest",
            f"{mined.bills:,} bills in {mine_seconds:.1f} s = {mined.bills / mine_seconds:,.0f} bills/s",
        ),
        (
            "baseline: bare export read",
            f"{exported:,} in {export_seconds:.1f} s = {exported / export_seconds:,.0f} bills/s; "
            f"mining = {mine_seconds / export_seconds:.1f}x the export alone",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=1_000_000)
    parser.add_argument("--e2e-bills", type=int, default=100_000)
    parser.add_argument("--topics", type=int, default=16)
    args = parser.parse_args()
    report(
        f"push mining {args.bills:,} offline bills in process",
        asyncio.run(in_process(args.bills, args.topics)),
    )
    if args.e2e_bills:
        report(
            f"push mining {args.e2e_bills:,} offline bills through ingest (separate processes)",
            asyncio.run(through_ingest(args.e2e_bills)),
        )


if __name__ == "__main__":
    main()
