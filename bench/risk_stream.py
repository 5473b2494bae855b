"""StreamScores throughput with the default model, against raw LightGBM predict on the same rows in the same run.

Risk runs as its own process with a model trained on generated data (200 trees). The client streams batches
of generated transactions it has never seen; the baseline is LightGBM's own `predict` (one thread) on the
feature matrices of the very same batches, built beforehand by the same feature code, so it does nothing but
predict. The service also validates, builds the features (updating its online state), predicts, explains the
flagged decisions, and moves everything over gRPC.

    python bench/risk_stream.py [--transactions 200000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import time

import grpc
import lightgbm as lgb
import numpy as np
from _harness import report
from _risk import risk_stack, transactions
from payrisk.risk.v1 import risk_pb2
from payrisk_risk.features import FeatureState, StateLimits, columns_from_transactions, observe
from payrisk_risk.model.compiled import CompiledPredictor

METHOD = "/payrisk.risk.v1.RiskService/StreamScores"


def feature_batches(txs, batch: int) -> list[np.ndarray]:
    state = FeatureState(StateLimits(), 8.0)
    return [
        observe(state, columns_from_transactions(txs[i : i + batch]))[0] for i in range(0, len(txs), batch)
    ]


def best_rate(run, rows: int, repeats: int = 3) -> float:
    """Rows per second of the best of a few runs: the baseline at its fastest."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return rows / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    txs = transactions(args.transactions)
    requests = [
        risk_pb2.StreamScoresRequest(
            batch_id=str(b), transactions=txs[i : i + args.batch]
        ).SerializeToString()
        for b, i in enumerate(range(0, len(txs), args.batch))
    ]
    with risk_stack() as (stack, risk):
        models = stack.state_dir / "data" / "models"
        version = (models / "ACTIVE").read_text().strip()
        booster = lgb.Booster(model_file=str(models / version / "model.txt"))
        compiled = CompiledPredictor(models / version / "model.so")
        matrices = feature_batches(txs, args.batch)
        raw = best_rate(lambda: [booster.predict(m, num_threads=1) for m in matrices], len(txs))
        raw_compiled = best_rate(lambda: [compiled.predict(m) for m in matrices], len(txs))

        with grpc.insecure_channel(risk.address) as channel:
            call = channel.stream_stream(
                METHOD,
                request_serializer=lambda b: b,
                response_deserializer=risk_pb2.StreamScoresResponse.FromString,
            )
            # Warm up on a different, small stream (its transactions are not the measured ones).
            warm = transactions(5_000, seed=99)
            for _ in call(iter([risk_pb2.StreamScoresRequest(transactions=warm).SerializeToString()])):
                pass
            decided, flagged = 0, 0
            started = time.perf_counter()
            for response in call(iter(requests)):
                decided += len(response.decisions)
                flagged += sum(1 for d in response.decisions if d.reasons)
            elapsed = time.perf_counter() - started
        rss = risk.peak_rss_mib()

    rate = decided / elapsed
    report(
        f"StreamScores: {decided:,} transactions in batches of {args.batch:,}, model {version} (200 trees)",
        [
            ("StreamScores", f"{rate:,.0f} decisions/s  ({flagged:,} flagged and explained)"),
            ("raw LightGBM predict", f"{raw:,.0f} rows/s (one thread, same rows and batches)"),
            ("ratio to raw", f"{rate / raw:.0%}  (target >= 50%)"),
            ("raw compiled predict", f"{raw_compiled:,.0f} rows/s (treelite/tl2cgen, what the service uses)"),
            ("server peak RSS", f"{rss:.0f} MiB"),
        ],
    )
    if decided != len(txs):
        raise SystemExit(f"only {decided} of {len(txs)} transactions were decided")


if __name__ == "__main__":
    main()
