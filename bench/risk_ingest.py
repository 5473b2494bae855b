"""Ingest with scoring on: transactions decided per second through IngestTransactions, against the same
stream into an ingest that does not score (the baseline, measured in the same run).

Both services run as their own processes on SQLite; ingest calls risk's ScoreTransactions for every
accepted batch and returns the decisions on its stream, as in production.

    python bench/risk_ingest.py [--transactions 200000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import grpc
from _harness import report
from _risk import INGEST, QUIET, risk_stack, transactions
from payrisk.ingest.v1 import ingest_pb2
from payrisk_runtime.local import LocalStack

METHOD = "/payrisk.ingest.v1.IngestService/IngestTransactions"


def stream(address: str, batches: list[bytes]) -> tuple[int, int, float]:
    """(accepted, decided, seconds) for one pass of the batches."""
    with grpc.insecure_channel(address) as channel:
        call = channel.stream_stream(
            METHOD,
            request_serializer=lambda b: b,
            response_deserializer=ingest_pb2.IngestTransactionsResponse.FromString,
        )
        accepted = decided = 0
        started = time.perf_counter()
        for response in call(iter(batches)):
            accepted += response.accepted
            decided += len(response.decisions)
        return accepted, decided, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    txs = transactions(args.transactions)
    batches = [
        ingest_pb2.IngestTransactionsRequest(
            batch_id=str(b), transactions=txs[i : i + args.batch]
        ).SerializeToString()
        for b, i in enumerate(range(0, len(txs), args.batch))
    ]
    with risk_stack() as (stack, risk):
        scoring = stack.start(
            INGEST,
            {"PAYRISK_INGEST_RISK_ADDRESS": risk.address, "PAYRISK_INGEST_SCORING_DEADLINE_SECONDS": "10"},
        )
        stack.wait_serving(scoring)
        accepted, decided, elapsed = stream(scoring.address, batches)
    with tempfile.TemporaryDirectory(prefix="payrisk-bench-ingest-") as tmp:
        plain = LocalStack(Path(tmp), dict(QUIET))
        try:
            baseline = plain.start(INGEST)
            plain.wait_serving(baseline)
            base_accepted, _, base_elapsed = stream(baseline.address, batches)
        finally:
            plain.stop_all()

    rate, base_rate = decided / elapsed, base_accepted / base_elapsed
    report(
        f"ingest with scoring: {accepted:,} transactions in batches of {args.batch:,} (SQLite, default model)",
        [
            ("IngestTransactions, scored", f"{rate:,.0f} decided/s  (target >= 10,000)"),
            ("same stream, scoring off", f"{base_rate:,.0f} accepted/s (same run)"),
            ("ratio to scoring off", f"{rate / base_rate:.0%}"),
        ],
    )
    if decided != accepted or accepted != len(txs):
        raise SystemExit(f"{accepted} accepted and {decided} decided of {len(txs)}")


if __name__ == "__main__":
    main()
