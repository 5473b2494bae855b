"""RequestPush latency at a steady 500 requests/s, against a gRPC health check at the same rate (the baseline).

Push runs as its own process, serving a model mined from generated offline bills (mined in this script, saved
to the database push then opens). Requests vary as real ones would: users with and without mined bills,
subscription tags, places in every city, times of day, Chinese and English, some from a terminal's own device,
some after a payment, some knowing nothing (cold start).

    python bench/push_latency.py [--rate 500] [--seconds 20] [--bills 300000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

import grpc
import numpy as np
from _harness import paced, percentiles, report
from grpc_health.v1 import health_pb2, health_pb2_grpc
from payrisk.common.v1 import common_pb2
from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk_push.app import MIGRATIONS
from payrisk_push.mining import persist
from payrisk_push.mining.bills import bill_batch
from payrisk_push.mining.model import PushModel
from payrisk_push.mining.state import MiningState
from payrisk_push.vocabulary import GROUPS, TAG_LIST
from payrisk_runtime import create_db_engine, migrate
from payrisk_runtime.local import LocalStack, ServiceSpec
from push_mining import offline_bills

NOW = 1_772_000_000


def mine(bills: int, database: Path) -> tuple[PushModel, list[common_pb2.Transaction]]:
    model = PushModel(16)
    sample: list[common_pb2.Transaction] = []
    page: list[common_pb2.Transaction] = []
    for data in offline_bills(bills, seed=3):
        page.append(common_pb2.Transaction.FromString(data))
        if len(page) == 10_000:
            model.learn(bill_batch(page))
            sample += page[::50]
            page = []
    model.learn(bill_batch(page))
    engine = create_db_engine(f"sqlite:///{database}")
    migrate(engine, MIGRATIONS)
    MiningState(engine).save(bills, persist.dump(model))
    engine.dispose()
    return model, sample


def requests(sample: list[common_pb2.Transaction], count: int) -> list[push_pb2.RequestPushRequest]:
    rng = random.Random(1)
    made = []
    for i in range(count):
        bill = rng.choice(sample)
        r = push_pb2.RequestPushRequest(terminal_id=f"t-{i % 1000}", limit=10)
        kind = rng.random()
        if kind < 0.1:
            pass  # knows nothing: cold start
        elif kind < 0.5:
            r.user_id = bill.payer_id
        if kind >= 0.3:
            r.subscription_tags.extend(rng.sample(list(GROUPS) + list(TAG_LIST), rng.randint(1, 3)))
        env = r.environment
        if rng.random() < 0.2:
            env.device_id = bill.device_id  # at a terminal: its place comes from its merchant
        else:
            point = bill.location.point
            env.place.latitude = point.latitude + rng.gauss(0, 0.03)
            env.place.longitude = point.longitude + rng.gauss(0, 0.03)
        env.time.seconds = NOW + rng.randrange(7 * 86_400)
        env.locale = rng.choice(["zh-CN", "en-GB"])
        if rng.random() < 0.2:
            env.amount.CopyFrom(
                common_pb2.Money(currency_code="CNY", minor_units=rng.randrange(500, 200_000))
            )
        made.append(r)
    return made


async def run(rate: int, seconds: float, bills: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "push.db"
        started = time.perf_counter()
        model, sample = mine(bills, database)
        prepared = time.perf_counter() - started
        asks = requests(sample, int(rate * seconds))
        stack = LocalStack(Path(tmp), {"PAYRISK_PUSH_LOG_LEVEL": "WARNING"})
        try:
            service = stack.start(
                ServiceSpec("push", "payrisk_push", 0), {"PAYRISK_PUSH_DATABASE_URL": f"sqlite:///{database}"}
            )
            stack.wait_serving(service, timeout=120)
            async with grpc.aio.insecure_channel(service.address) as channel:
                push = push_pb2_grpc.PushServiceStub(channel)
                health = health_pb2_grpc.HealthStub(channel)
                await paced(lambda i: push.RequestPush(asks[i % len(asks)]), 100, 3)  # warm up
                baseline, _ = await paced(
                    lambda i: health.Check(health_pb2.HealthCheckRequest()), rate, seconds
                )
                measured, failures = await paced(lambda i: push.RequestPush(asks[i]), rate, seconds)
                rss = service.rss_mib()
        finally:
            stack.stop_all()
    report(
        f"RequestPush at {rate} requests/s for {seconds:.0f} s ({bills:,} bills mined: "
        f"{len(model.merchants):,} merchants, {len(model.payers):,} users; prepared in {prepared:.0f} s)",
        [
            ("RequestPush", percentiles(measured) + f"   (target p99 < 20 ms; {failures} failed)"),
            ("health check, same rate", percentiles(baseline)),
            ("p50 ratio", f"{np.percentile(measured, 50) / np.percentile(baseline, 50):.1f}x the baseline"),
            ("p99 ratio", f"{np.percentile(measured, 99) / np.percentile(baseline, 99):.1f}x the baseline"),
            ("push memory", f"{rss:.0f} MiB resident"),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--bills", type=int, default=300_000)
    args = parser.parse_args()
    asyncio.run(run(args.rate, args.seconds, args.bills))


if __name__ == "__main__":
    main()
