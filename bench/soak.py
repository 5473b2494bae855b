"""Soak: ingest at a steady rate for a long time; throughput, batch latency and the server's memory, start to end.

Scoring is on when a risk service is given (`--risk host:port`), off otherwise. Flat memory is the target.

    python bench/soak.py [--minutes 10] [--rate 5000] [--batch 500] [--risk 127.0.0.1:50052]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import grpc
import numpy as np
from _harness import report
from ingest_throughput import METHOD
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk_runtime.local import LocalStack, ServiceSpec


def batch(number: int, size: int, now: int) -> bytes:
    request = ingest_pb2.IngestTransactionsRequest(batch_id=f"soak-{number}")
    for i in range(number * size, (number + 1) * size):
        tx = request.transactions.add(
            transaction_id=f"soak-{i:010d}", merchant_id=f"m-{i % 2000}", payer_id=f"p-{i % 100_000}",
            type=common_pb2.TRANSACTION_TYPE_PURCHASE, channel=common_pb2.CHANNEL_ONLINE,
        )  # fmt: skip
        tx.amount.currency_code = "CNY"
        tx.amount.minor_units = 100 + i % 90_000
        tx.occurred_at.FromSeconds(now - i % 86_400)
    return request.SerializeToString()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=int, default=5000, help="transactions per second")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--risk", default="", help="address of a risk service to score through")
    args = parser.parse_args()
    env = {"PAYRISK_INGEST_RISK_ADDRESS": args.risk} if args.risk else {}
    with tempfile.TemporaryDirectory() as tmp:
        stack = LocalStack(Path(tmp), {"PAYRISK_INGEST_LOG_LEVEL": "WARNING"})
        ingest = stack.start(ServiceSpec("ingest", "payrisk_ingest", 0), env)
        try:
            stack.wait_serving(ingest)
            interval = args.batch / args.rate
            total = int(args.minutes * 60 / interval)
            now = int(time.time())
            sent_at: list[float] = []
            latencies: list[float] = []
            memory = [ingest.rss_mib()]

            def paced():
                start = time.perf_counter()
                for n in range(total):
                    delay = start + n * interval - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    data = batch(n, args.batch, now)
                    sent_at.append(time.perf_counter())
                    yield data

            started = time.perf_counter()
            with grpc.insecure_channel(ingest.address) as channel:
                call = channel.stream_stream(
                    METHOD, lambda b: b, ingest_pb2.IngestTransactionsResponse.FromString
                )
                accepted = 0
                for n, response in enumerate(call(paced())):
                    accepted += response.accepted
                    latencies.append(time.perf_counter() - sent_at[n])
                    if n % max(1, total // 10) == 0:
                        memory.append(ingest.rss_mib())
            elapsed = time.perf_counter() - started
            memory.append(ingest.rss_mib())
        finally:
            stack.stop_all()
    p50, p99 = np.percentile(latencies, [50, 99]) * 1000
    report(
        f"soak: {args.minutes:g} min at {args.rate:,} tx/s in batches of {args.batch} (scoring {'on' if args.risk else 'off'})",
        [
            ("held", f"{accepted / elapsed:,.0f} tx/s ({accepted:,} accepted)"),
            ("batch latency", f"p50 {p50:.1f} ms   p99 {p99:.1f} ms"),
            ("server RSS", " -> ".join(f"{m:.0f}" for m in memory) + " MiB"),
        ],
    )


if __name__ == "__main__":
    main()
