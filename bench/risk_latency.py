"""ScoreTransactions with one transaction per call at a steady 500 calls/s: p50 and p99 latency, against a gRPC
health check at the same rate on the same server (the baseline: what any call costs here).

Risk runs as its own process with the default model (200 trees) trained on generated data; the transactions
are generated ones it has not seen, so every call updates its feature state like real traffic.

    python bench/risk_latency.py [--rate 500] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio

import grpc
import numpy as np
from _harness import paced, percentiles, report
from _risk import risk_stack, transactions
from grpc_health.v1 import health_pb2, health_pb2_grpc
from payrisk.risk.v1 import risk_pb2, risk_pb2_grpc


async def measure(address: str, rate: int, seconds: float) -> tuple[list[float], list[float], int, int]:
    txs = transactions(int(rate * seconds) + 1_000)
    requests = [risk_pb2.ScoreTransactionsRequest(transactions=[tx]) for tx in txs]
    async with grpc.aio.insecure_channel(address) as channel:
        risk = risk_pb2_grpc.RiskServiceStub(channel)
        health = health_pb2_grpc.HealthStub(channel)
        warm = requests[-1_000:]
        await paced(lambda i: risk.ScoreTransactions(warm[i]), 100, 2)
        baseline, _ = await paced(lambda i: health.Check(health_pb2.HealthCheckRequest()), rate, seconds)
        flagged = 0

        async def score(i: int) -> None:
            nonlocal flagged
            response = await risk.ScoreTransactions(requests[i])
            flagged += bool(response.decisions[0].reasons)

        measured, failed = await paced(score, rate, seconds)
    return measured, baseline, flagged, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with risk_stack() as (_, risk):
        measured, baseline, flagged, failed = asyncio.run(measure(risk.address, args.rate, args.seconds))
    report(
        f"ScoreTransactions, one transaction per call, at {args.rate} calls/s for {args.seconds:.0f} s",
        [
            ("ScoreTransactions", percentiles(measured) + f"   (target p99 < 10 ms; {failed} failed)"),
            ("  of which explained", f"{flagged:,} flagged decisions with their reasons"),
            ("health check, same rate", percentiles(baseline)),
            ("p99 ratio", f"{np.percentile(measured, 99) / np.percentile(baseline, 99):.1f}x the baseline"),
        ],
    )


if __name__ == "__main__":
    main()
