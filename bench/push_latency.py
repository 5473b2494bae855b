"""RequestPush latency at a steady 500 requests/s, against a gRPC health check at the same rate (the baseline).

Push runs as its own process, with bills from a generated data set mined through ingest first.

    python bench/push_latency.py [--rate 500] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import grpc
import numpy as np
from _harness import report
from grpc_health.v1 import health_pb2, health_pb2_grpc
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk_ingest.synthetic import GeneratorConfig, Loader, build_world, iter_batches
from payrisk_runtime.local import LocalStack, ServiceSpec

TAGS = ["food", "shopping", "mobility", "leisure", "daily", "services"]


async def load_and_mine(ingest_address: str, push: push_pb2_grpc.PushServiceStub) -> int:
    config = GeneratorConfig(transactions=20_000, seed=3)
    world = build_world(config)
    async with grpc.aio.insecure_channel(ingest_address) as channel:
        loader = Loader(ingest_pb2_grpc.IngestServiceStub(channel), 1000)
        await loader.register(world)
        for batch in iter_batches(config, world):
            await loader.send(batch)
    return int((await push.MineBills(push_pb2.MineBillsRequest())).total_bills)


async def paced(call, rate: int, seconds: float) -> list[float]:
    """Open loop: requests leave on schedule whether or not earlier ones have returned."""
    latencies: list[float] = []

    async def one(i: int) -> None:
        started = time.perf_counter()
        await call(i)
        latencies.append(time.perf_counter() - started)

    tasks, start = [], time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return latencies


def percentiles(values: list[float]) -> str:
    p50, p99 = np.percentile(values, [50, 99]) * 1000
    return f"p50 {p50:.2f} ms   p99 {p99:.2f} ms"


async def run(rate: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = LocalStack(
            Path(tmp), {"PAYRISK_PUSH_LOG_LEVEL": "WARNING", "PAYRISK_INGEST_LOG_LEVEL": "WARNING"}
        )
        try:
            ingest = stack.start(ServiceSpec("ingest", "payrisk_ingest", 0))
            stack.wait_serving(ingest)
            push_service = stack.start(
                ServiceSpec("push", "payrisk_push", 0), {"PAYRISK_PUSH_INGEST_ADDRESS": ingest.address}
            )
            stack.wait_serving(push_service)
            async with grpc.aio.insecure_channel(push_service.address) as channel:
                push = push_pb2_grpc.PushServiceStub(channel)
                health = health_pb2_grpc.HealthStub(channel)
                bills = await load_and_mine(ingest.address, push)

                def request(i: int) -> push_pb2.RequestPushRequest:
                    r = push_pb2.RequestPushRequest(
                        terminal_id=f"t-{i % 300}", subscription_tags=[TAGS[i % len(TAGS)]]
                    )
                    r.environment.place.latitude, r.environment.place.longitude = (
                        31.23 + (i % 7) / 100,
                        121.47,
                    )
                    return r

                await paced(lambda i: push.RequestPush(request(i)), 50, 1)  # warm up
                baseline = await paced(lambda i: health.Check(health_pb2.HealthCheckRequest()), rate, seconds)
                measured = await paced(lambda i: push.RequestPush(request(i)), rate, seconds)
        finally:
            stack.stop_all()
    report(
        f"RequestPush at {rate} requests/s for {seconds:.0f} s ({bills:,} bills mined)",
        [
            ("RequestPush", percentiles(measured) + "   (target p99 < 20 ms)"),
            ("health check, same rate", percentiles(baseline)),
            ("p99 ratio", f"{np.percentile(measured, 99) / np.percentile(baseline, 99):.1f}x the baseline"),
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    asyncio.run(run(args.rate, args.seconds))


if __name__ == "__main__":
    main()
