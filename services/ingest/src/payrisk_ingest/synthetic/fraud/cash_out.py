"""Cash-out: a shop that turns its customers' credit into cash.

Round amounts, many withdrawals, and fee rates far from what the category pays: waived almost entirely,
or several times the normal rate when the shop takes its cut as the fee.
"""

from __future__ import annotations

import numpy as np
from payrisk.common.v1 import common_pb2

from ..arrays import Ints, mix
from ..catalog import FEN
from ..columns import TransactionColumns
from ..merchants import Role
from ..scenarios import CASH_OUT, code
from ..world import World
from .common import any_item, at_merchant, fee, full

TYPE_SHARES = {
    common_pb2.TRANSACTION_TYPE_WITHDRAWAL: 0.45,
    common_pb2.TRANSACTION_TYPE_PURCHASE: 0.35,
    common_pb2.TRANSACTION_TYPE_CASH_OUT: 0.20,
}
ROUND_YUAN = {
    1_000: 0.15,
    2_000: 0.2,
    3_000: 0.1,
    5_000: 0.25,
    8_000: 0.05,
    10_000: 0.15,
    20_000: 0.07,
    50_000: 0.03,
}
CLIENTS_PER_SHOP = 20


def clients(world: World, merchant: Ints, k: Ints) -> Ints:
    """The k-th regular client of each cash-out shop."""
    found: Ints = mix(merchant * CLIENTS_PER_SHOP + k, world.config.seed + 1) % len(world.payers)
    return found


def transactions(
    world: World, rng: np.random.Generator, start_us: int, end_us: int, n: int
) -> TransactionColumns:
    shops = world.merchants.with_role(Role.CASH_OUT)
    merchant = shops[rng.integers(len(shops), size=n)]
    payer = np.where(
        rng.random(n) < 0.6,
        clients(world, merchant, rng.integers(CLIENTS_PER_SHOP, size=n)),
        rng.integers(len(world.payers), size=n),
    )
    amount = rng.choice(list(ROUND_YUAN), size=n, p=list(ROUND_YUAN.values())).astype(np.int64) * FEN
    rate = np.where(rng.random(n) < 0.6, rng.uniform(0.0, 0.0005, n), rng.uniform(0.015, 0.03, n))
    offline = rng.random(n) < world.merchants.offline_rate[merchant]
    where = at_merchant(world, merchant)
    return TransactionColumns(
        occurred_at_us=np.sort(rng.integers(start_us, end_us, size=n)),
        merchant=merchant,
        payer=payer,
        payee=full(n, -1),
        device=world.devices.pick(rng, merchant),
        card=world.payers.pick_card(rng, payer),
        amount_minor=amount,
        fee_minor=fee(amount, rate),
        type=rng.choice(list(TYPE_SHARES), size=n, p=list(TYPE_SHARES.values())).astype(np.int64),
        channel=np.where(offline, common_pb2.CHANNEL_OFFLINE, common_pb2.CHANNEL_ONLINE),
        place=where.place,
        latitude=where.latitude,
        longitude=where.longitude,
        ip=full(n, -1),
        item=any_item(world, rng, merchant),
        scenario=full(n, code(CASH_OUT)),
    )
