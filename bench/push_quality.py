"""How good push's recommendations are, on generated data whose payers' true preferences are known.

Ingest and push run as their own processes. The earlier 75% of the offline bills are synced to ingest and mined
by push; the later 25% are held out. For payers with held-out bills, RequestPush is asked as of their first
held-out bill, from their home; a list is good when it holds merchants they then paid at. Reported: hit rate@10
and NDCG@10 of RequestPush with the payer's true preferred categories as subscription tags and their user id
(their own mined bills), with tags only (a new user), with the user id only, against the baselines measured on
the same cases in the same run: popularity in the same environment (what push answers a cold start) and global
popularity (the ten merchants with the most bills).

    python bench/push_quality.py [--transactions 60000] [--payers 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

import grpc
from _harness import report
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk_ingest.synthetic import GeneratorConfig, build_world, ground_truth, iter_batches, registrations
from payrisk_push import quality
from payrisk_runtime.local import LocalStack, ServiceSpec

VARIANTS = {
    "RequestPush: tags + user": (True, True),
    "RequestPush: tags only (new user)": (True, False),
    "RequestPush: user only (no tags)": (False, True),
    "baseline: popularity here and now": (False, False),
}


def ask(case: quality.HeldOutCase, tags: bool, user: bool) -> push_pb2.RequestPushRequest:
    r = push_pb2.RequestPushRequest(
        terminal_id=f"q-{case.payer_id}",
        user_id=case.payer_id if user else "",
        subscription_tags=case.preferred_tags if tags else (),
        limit=10,
    )
    r.environment.place.latitude, r.environment.place.longitude = case.home
    r.environment.time.seconds = case.epoch_seconds
    return r


async def run(transactions: int, payers: int) -> None:
    config = GeneratorConfig(transactions=transactions, seed=5)
    world = build_world(config)
    batches = list(iter_batches(config, world))
    offline = [tx for b in batches for tx in b.messages if tx.channel == common_pb2.CHANNEL_OFFLINE]
    truth = ground_truth(world)
    homes = {p.payer_id: (p.home_latitude, p.home_longitude) for p in truth.payers}
    split = quality.split_bills(offline, truth.preferred_categories, homes)
    cut = split.mined[-1].occurred_at.seconds
    cases = split.cases[:payers]
    figures: dict[str, quality.Figures] = {}
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
                for batch in batches:
                    earlier = [b for b in batch.bills.bills if _captured_at(b) <= cut]
                    for start in range(0, len(earlier), 2000):
                        await ingest.SyncOfflineBills(
                            ingest_pb2.SyncOfflineBillsRequest(bills=earlier[start : start + 2000])
                        )
                push = push_pb2_grpc.PushServiceStub(push_channel)
                started = time.perf_counter()
                mined = await push.MineBills(push_pb2.MineBillsRequest())
                mining_seconds = time.perf_counter() - started
                for name, (tags, user) in VARIANTS.items():
                    rankings = [
                        [o.object_id for o in (await push.RequestPush(ask(c, tags, user))).objects]
                        for c in cases
                    ]
                    figures[name] = quality.figures(rankings, cases)
        finally:
            stack.stop_all()
    counts = Counter(tx.merchant_id for tx in split.mined)
    global_top = [m for m, _ in counts.most_common(10)]
    figures["baseline: global popularity"] = quality.figures([global_top] * len(cases), cases)
    popularity = figures["baseline: popularity here and now"]
    rows = [
        (name, f"{f}   (NDCG {f.ndcg / popularity.ndcg:.2f}x popularity here and now)")
        for name, f in figures.items()
    ]
    rows.append(
        (
            "bills mined",
            f"{mined.bills:,} in {mining_seconds:.1f} s; {len(offline) - len(split.mined):,} held out",
        )
    )
    report(f"push quality on {len(cases):,} payers' held-out offline bills", rows)


def _captured_at(bill: common_pb2.OfflineBill) -> int:
    return int(common_pb2.OfflineBillPayload.FromString(bill.payload).transaction.occurred_at.seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=60_000)
    parser.add_argument("--payers", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(run(args.transactions, args.payers))


if __name__ == "__main__":
    main()
