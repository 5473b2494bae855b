"""Fan-in: many accounts sending money to one account within a few hours (collection by a money mule)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from payrisk.common.v1 import common_pb2

from ..catalog import TRANSFER
from ..columns import TransactionColumns
from ..config import HOUR_US
from ..scenarios import FAN_IN, code
from ..timing import spread_over
from ..world import World
from .common import any_item, at_home, distinct_payers, fee, full, yuan

SIZES = (15, 50)


@dataclass(frozen=True, slots=True)
class FanIn:
    start_us: int
    seed: int
    payee: int
    senders: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.senders)

    def transactions(self, world: World) -> TransactionColumns:
        rng = np.random.default_rng(self.seed)
        n = self.size
        payer = np.array(self.senders, dtype=np.int64)
        merchant = world.groups.pick(rng, full(n, int(world.payers.place[self.payee])), full(n, TRANSFER))
        sent = rng.uniform(500, 5_000, n)
        amount = yuan(np.where(rng.random(n) < 0.3, np.round(sent, -2), sent))
        where = at_home(world, payer)
        return TransactionColumns(
            occurred_at_us=spread_over(rng, self.start_us, int(rng.uniform(1, 6) * HOUR_US), n),
            merchant=merchant,
            payer=payer,
            payee=full(n, self.payee),
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
            scenario=full(n, code(FAN_IN)),
        )


def plan(world: World, rng: np.random.Generator, start_us: int, size: int) -> FanIn:
    payee = int(rng.integers(len(world.payers)))
    senders = distinct_payers(rng, len(world.payers), size, avoid=payee)
    return FanIn(start_us, int(rng.integers(2**63)), payee, tuple(int(s) for s in senders))
