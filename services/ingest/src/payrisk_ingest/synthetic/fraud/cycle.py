"""Cycle: money sent around a ring of accounts and back to where it started, a little less at each hop."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from payrisk.common.v1 import common_pb2

from ..catalog import TRANSFER
from ..columns import TransactionColumns
from ..config import HOUR_US
from ..scenarios import CYCLE, code
from ..world import World
from .common import any_item, at_home, distinct_payers, fee, full, yuan

SIZES = (3, 8)


@dataclass(frozen=True, slots=True)
class Cycle:
    start_us: int
    seed: int
    # ring[i] pays ring[i + 1]; the last pays the first.
    ring: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.ring)

    def transactions(self, world: World) -> TransactionColumns:
        rng = np.random.default_rng(self.seed)
        n = self.size
        payer = np.array(self.ring, dtype=np.int64)
        merchant = world.groups.pick(rng, world.payers.place[payer], full(n, TRANSFER))
        # Each hop keeps a small cut.
        amount = yuan(
            rng.uniform(10_000, 100_000) * np.cumprod(1 - rng.uniform(0.005, 0.03, n)).astype(np.float64)
        )
        gaps = (rng.uniform(1 / 6, 6, n) * HOUR_US).astype(np.int64)
        where = at_home(world, payer)
        return TransactionColumns(
            occurred_at_us=self.start_us + np.cumsum(gaps),
            merchant=merchant,
            payer=payer,
            payee=np.roll(payer, -1),
            device=full(n, -1),
            card=world.payers.pick_card(rng, payer),
            amount_minor=amount,
            fee_minor=fee(amount, world.merchants.fee_rate[merchant]),
            type=full(n, common_pb2.TRANSACTION_TYPE_TRANSFER),
            channel=full(n, common_pb2.CHANNEL_ONLINE),
            place=where.place,
            latitude=where.latitude,
            longitude=where.longitude,
            ip=payer,
            item=any_item(world, rng, merchant),
            scenario=full(n, code(CYCLE)),
        )


def plan(world: World, rng: np.random.Generator, start_us: int, size: int) -> Cycle:
    ring = distinct_payers(rng, len(world.payers), size)
    return Cycle(start_us, int(rng.integers(2**63)), tuple(int(p) for p in ring))
