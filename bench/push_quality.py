"""How good push's recommendations are, on generated data whose payers' true preferences are known.

Offline bills are split in time: the earlier 75% are mined, the later 25% held out. For payers with held-out
bills, their true preferred categories are the subscription tags, and their home with the time of their first
held-out bill the environment; a recommendation list is good when it contains merchants they then paid. Reported: hit rate@10
and NDCG@10 of the ranking RequestPush uses, against popularity in the same environment and plain popularity.

    python bench/push_quality.py [--transactions 60000] [--payers 500]
"""

from __future__ import annotations

import argparse
import math
import time
from collections import defaultdict

import numpy as np
from _harness import report
from payrisk.common.v1 import common_pb2
from payrisk_ingest.synthetic import GeneratorConfig, build_world, ground_truth, iter_batches
from payrisk_push.mining import PushModel
from payrisk_push.mining.miner import bill_of
from payrisk_push.recommend import rank

K = 10


def ndcg(ranked: list[str], relevant: set[str]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, m in enumerate(ranked[:K]) if m in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(K, len(relevant))))
    return dcg / ideal if ideal else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=60_000)
    parser.add_argument("--payers", type=int, default=500)
    args = parser.parse_args()
    config = GeneratorConfig(transactions=args.transactions, seed=5)
    world = build_world(config)
    offline = [
        tx
        for batch in iter_batches(config, world)
        for tx in batch.messages
        if tx.channel == common_pb2.CHANNEL_OFFLINE
    ]
    offline.sort(key=lambda tx: tx.occurred_at.seconds)
    cut = int(len(offline) * 0.75)
    model = PushModel(topics=12)
    started = time.perf_counter()
    for i in range(0, cut, 5000):
        model.learn([bill_of(tx) for tx in offline[i : i + 5000]])
    mining_seconds = time.perf_counter() - started

    held_out: dict[str, list[common_pb2.Transaction]] = defaultdict(list)
    for tx in offline[cut:]:
        held_out[tx.payer_id].append(tx)
    truth = ground_truth(world)
    preferences = truth.preferred_categories
    homes = {p.payer_id: (p.home_latitude, p.home_longitude) for p in truth.payers}
    payers = [p for p in held_out if p in preferences][: args.payers]
    global_top = sorted(model.merchants, key=lambda m: -model.merchants[m].bills)[:K]
    results: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for payer in payers:
        first = held_out[payer][0]
        relevant = {tx.merchant_id for tx in held_out[payer]}
        bill = bill_of(first)
        # Where the payer lives, not where the held-out bill was: the answer must not leak into the question.
        place = homes[payer]
        lists = {
            "RequestPush ranking": rank(
                model, set(preferences[payer]), bill.environment, place, set(), K
            ).objects,
            "popularity here and now": rank(model, set(), bill.environment, place, set(), K).objects,
        }
        for name, objects in lists.items():
            ids = [o.object_id for o in objects]
            results[name].append((float(bool(set(ids) & relevant)), ndcg(ids, relevant)))
        results["global popularity"].append(
            (float(bool(set(global_top) & relevant)), ndcg(global_top, relevant))
        )
    rows = [
        (name, f"hit@10 {np.mean([h for h, _ in r]):.3f}   NDCG@10 {np.mean([n for _, n in r]):.3f}")
        for name, r in results.items()
    ]
    rows.append(("bills mined", f"{cut:,} in {mining_seconds:.1f} s ({cut / mining_seconds:,.0f} bills/s)"))
    report(
        f"push quality on {len(payers)} payers' held-out offline bills ({len(offline) - cut:,} bills)", rows
    )


if __name__ == "__main__":
    main()
