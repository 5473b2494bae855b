"""Offline evaluation of push rankings on held-out bills: hit rate@k and NDCG@k.

Bills are split in time: the earlier ones are mined, and for each payer with later bills the question is asked
as of their first later bill, from their home, with their known preferences. A ranking is good when it lists
merchants they then paid at.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from payrisk.common.v1 import common_pb2


@dataclass(frozen=True)
class HeldOutCase:
    payer_id: str
    preferred_tags: tuple[str, ...]
    home: tuple[float, float]
    # When the payer next paid (the question is asked then).
    epoch_seconds: int
    # Merchants the payer paid at after the split.
    relevant: frozenset[str]


@dataclass(frozen=True)
class Split:
    mined: list[common_pb2.Transaction]
    cases: list[HeldOutCase]


def split_bills(
    bills: Sequence[common_pb2.Transaction],
    preferences: dict[str, tuple[str, ...]],
    homes: dict[str, tuple[float, float]],
    mined_share: float = 0.75,
) -> Split:
    ordered = sorted(bills, key=lambda b: (b.occurred_at.seconds, b.occurred_at.nanos))
    cut = int(len(ordered) * mined_share)
    later: dict[str, list[common_pb2.Transaction]] = defaultdict(list)
    for bill in ordered[cut:]:
        later[bill.payer_id].append(bill)
    cases = [
        HeldOutCase(
            payer_id=payer,
            preferred_tags=preferences[payer],
            home=homes[payer],
            epoch_seconds=paid[0].occurred_at.seconds,
            relevant=frozenset(b.merchant_id for b in paid),
        )
        for payer, paid in later.items()
        if payer in preferences and payer in homes
    ]
    return Split(ordered[:cut], cases)


def hit(ranked: Sequence[str], relevant: frozenset[str], k: int) -> float:
    return float(any(m in relevant for m in ranked[:k]))


def ndcg(ranked: Sequence[str], relevant: frozenset[str], k: int) -> float:
    gain = sum(1 / math.log2(i + 2) for i, m in enumerate(ranked[:k]) if m in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return gain / ideal if ideal else 0.0


@dataclass(frozen=True)
class Figures:
    hit_rate: float
    ndcg: float
    cases: int

    def __str__(self) -> str:
        return f"hit@10 {self.hit_rate:.3f}   NDCG@10 {self.ndcg:.3f}"


def figures(rankings: Sequence[Sequence[str]], cases: Sequence[HeldOutCase], k: int = 10) -> Figures:
    pairs = list(zip(rankings, cases, strict=True))
    if not pairs:
        return Figures(0.0, 0.0, 0)
    return Figures(
        hit_rate=sum(hit(r, c.relevant, k) for r, c in pairs) / len(pairs),
        ndcg=sum(ndcg(r, c.relevant, k) for r, c in pairs) / len(pairs),
        cases=len(pairs),
    )
