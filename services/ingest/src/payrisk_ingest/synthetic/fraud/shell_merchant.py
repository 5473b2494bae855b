"""Shell merchants: registered in sparse places with little capital, moving money for a few mule accounts.

Mostly transfers and cash-outs, with amounts just under the round sums that draw attention.
"""

from __future__ import annotations

import numpy as np
from payrisk.common.v1 import common_pb2

from ..arrays import Ints, mix
from ..columns import TransactionColumns
from ..merchants import Role
from ..scenarios import SHELL_MERCHANT, code
from ..world import World
from .common import any_item, at_merchant, fee, full

TYPE_SHARES = {
    common_pb2.TRANSACTION_TYPE_TRANSFER: 0.5,
    common_pb2.TRANSACTION_TYPE_CASH_OUT: 0.35,
    common_pb2.TRANSACTION_TYPE_PURCHASE: 0.15,
}
THRESHOLDS_YUAN = np.array([5_000, 10_000, 20_000, 50_000])
MULES_PER_SHELL = 6


def mules(world: World, merchant: Ints, k: Ints) -> Ints:
    """The k-th mule account of each shell merchant (the same ones all along)."""
    found: Ints = mix(merchant * MULES_PER_SHELL + k, world.config.seed) % len(world.payers)
    return found


def transactions(
    world: World, rng: np.random.Generator, start_us: int, end_us: int, n: int
) -> TransactionColumns:
    shells = world.merchants.with_role(Role.SHELL)
    merchant = shells[rng.integers(len(shells), size=n)]
    payer = np.where(
        rng.random(n) < 0.8,
        mules(world, merchant, rng.integers(MULES_PER_SHELL, size=n)),
        rng.integers(len(world.payers), size=n),
    )
    threshold = THRESHOLDS_YUAN[rng.integers(len(THRESHOLDS_YUAN), size=n)] * 100
    amount = threshold - rng.integers(100, 30_000, size=n)
    where = at_merchant(world, merchant)
    return TransactionColumns(
        occurred_at_us=np.sort(rng.integers(start_us, end_us, size=n)),
        merchant=merchant,
        payer=payer,
        payee=full(n, -1),
        device=world.devices.pick(rng, merchant),
        card=world.payers.pick_card(rng, payer),
        amount_minor=amount,
        fee_minor=fee(amount, world.merchants.fee_rate[merchant]),
        type=rng.choice(list(TYPE_SHARES), size=n, p=list(TYPE_SHARES.values())).astype(np.int64),
        channel=full(n, common_pb2.CHANNEL_ONLINE),
        place=where.place,
        latitude=where.latitude,
        longitude=where.longitude,
        ip=np.where(rng.random(n) < 0.6, payer, world.foreign_ip(rng, n)),
        item=any_item(world, rng, merchant),
        scenario=full(n, code(SHELL_MERCHANT)),
    )
