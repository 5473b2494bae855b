"""Soak: ingest at a steady rate for a long time; throughput, batch latency and the server's memory, start to end.

Ingest scores every batch through a risk service of its own (started here with a freshly trained default model),
unless `--risk host:port` names another or `--no-scoring` turns scoring off. Flat memory is the target.

    python bench/soak.py [--minutes 10] [--rate 5000] [--batch 500] [--risk host:port | --no-scoring]
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np
from _harness import report
from _risk import INGEST, QUIET, risk_stack
from ingest_throughput import METHOD
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk_runtime.local import LocalService, LocalStack


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


@contextlib.contextmanager
def services(scoring: bool, risk_address: str) -> Iterator[tuple[LocalService, LocalService | None]]:
    """Ingest, and the risk service it scores through when it is ours."""
    if scoring and not risk_address:
        with risk_stack() as (local, risk):
            yield _ingest(local, {"PAYRISK_INGEST_RISK_ADDRESS": risk.address}), risk
        return
    with tempfile.TemporaryDirectory(prefix="payrisk-bench-soak-") as tmp:
        local = LocalStack(Path(tmp), dict(QUIET))
        try:
            yield _ingest(local, {"PAYRISK_INGEST_RISK_ADDRESS": risk_address} if scoring else {}), None
        finally:
            local.stop_all()


def _ingest(local: LocalStack, env: dict[str, str]) -> LocalService:
    ingest = local.start(INGEST, env)
    local.wait_serving(ingest)
    return ingest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=int, default=5000, help="transactions per second")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--risk", default="", help="address of a running risk service to score through")
    parser.add_argument("--no-scoring", action="store_true", help="ingest without scoring")
    args = parser.parse_args()
    scoring = not args.no_scoring
    with services(scoring, args.risk) as (ingest, risk):
        interval = args.batch / args.rate
        total = int(args.minutes * 60 / interval)
        now = int(time.time())
        sent_at: list[float] = []
        latencies: list[float] = []
        memory = [ingest.rss_mib()]
        risk_memory = [risk.rss_mib()] if risk else []

        def paced() -> Iterator[bytes]:
            start = time.perf_counter()
            for n in range(total):
                delay = start + n * interval - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                data = batch(n, args.batch, now)
                sent_at.append(time.perf_counter())
                yield data

        started = time.perf_counter()
        accepted = decided = 0
        with grpc.insecure_channel(ingest.address) as channel:
            call = channel.stream_stream(
                METHOD, lambda b: b, ingest_pb2.IngestTransactionsResponse.FromString
            )
            for n, response in enumerate(call(paced())):
                accepted += response.accepted
                decided += len(response.decisions)
                latencies.append(time.perf_counter() - sent_at[n])
                if n % max(1, total // 10) == 0:
                    memory.append(ingest.rss_mib())
                    if risk:
                        risk_memory.append(risk.rss_mib())
        elapsed = time.perf_counter() - started
        memory.append(ingest.rss_mib())
        if risk:
            risk_memory.append(risk.rss_mib())
    p50, p99 = np.percentile(latencies, [50, 99]) * 1000
    rows = [
        ("held", f"{accepted / elapsed:,.0f} tx/s ({accepted:,} accepted, {decided:,} decided)"),
        ("batch latency", f"p50 {p50:.1f} ms   p99 {p99:.1f} ms"),
        ("ingest RSS", " -> ".join(f"{m:.0f}" for m in memory) + " MiB"),
    ]
    if risk_memory:
        rows.append(("risk RSS", " -> ".join(f"{m:.0f}" for m in risk_memory) + " MiB"))
    report(
        f"soak: {args.minutes:g} min at {args.rate:,} tx/s in batches of {args.batch} "
        f"(scoring {'on' if scoring else 'off'})",
        rows,
    )
    if scoring and decided != accepted:
        raise SystemExit(f"{accepted:,} accepted but {decided:,} decided")


if __name__ == "__main__":
    main()
