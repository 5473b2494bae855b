"""Compromised device: a terminal in an attacker's hands, capturing refunds and large sales at night.

The transactions here are the attacker's bills that pass every check. What else the attacker does to the
device's bill sequence (deleting bills, replaying numbers, tampering with signed bills) happens when the
bills are signed: see bills.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from payrisk.common.v1 import common_pb2

from ..arrays import Ints
from ..catalog import CASH, MEDIAN_YUAN
from ..columns import TransactionColumns
from ..config import DAY_US
from ..habits import SMALL_HOURS
from ..merchants import Role
from ..scenarios import COMPROMISED_DEVICE, code
from ..timing import into_hours, spread_over
from ..world import World
from .common import any_item, at_merchant, distinct_payers, fee, full, yuan

SIZES = (6, 18)
ATTACKER_ACCOUNTS = 3
REFUND = common_pb2.TRANSACTION_TYPE_REFUND


@dataclass(frozen=True, slots=True)
class CompromisedDevice:
    start_us: int
    size: int
    seed: int
    device: int
    # Payers the attacker controls; the refunds go to their cards.
    attackers: tuple[int, ...]

    def transactions(self, world: World) -> TransactionColumns:
        rng = np.random.default_rng(self.seed)
        n = self.size
        merchant = full(n, int(world.devices.merchant[self.device]))
        payer = np.array(self.attackers)[rng.integers(len(self.attackers), size=n)]
        kind = np.where(rng.random(n) < 0.6, REFUND, common_pb2.TRANSACTION_TYPE_PURCHASE)
        category = world.merchants.category[merchant]
        amount = yuan(MEDIAN_YUAN[category] * rng.uniform(3, 8, n))
        where = at_merchant(world, merchant)
        duration = int(rng.uniform(1, 3) * DAY_US)
        return TransactionColumns(
            occurred_at_us=into_hours(rng, spread_over(rng, self.start_us, duration, n), SMALL_HOURS),
            merchant=merchant,
            payer=payer,
            payee=full(n, -1),
            device=full(n, self.device),
            card=world.payers.pick_card(rng, payer),
            amount_minor=amount,
            fee_minor=np.where(kind == REFUND, 0, fee(amount, world.merchants.fee_rate[merchant])),
            type=kind.astype(np.int64),
            channel=full(n, common_pb2.CHANNEL_OFFLINE),
            place=where.place,
            latitude=where.latitude,
            longitude=where.longitude,
            ip=full(n, -1),
            item=any_item(world, rng, merchant),
            scenario=full(n, code(COMPROMISED_DEVICE)),
        )


def targets(world: World) -> Ints:
    """Terminals worth attacking: those of ordinary shops (not ATMs)."""
    m = world.merchants
    owner = world.devices.merchant
    found: Ints = np.flatnonzero((m.role[owner] == Role.ORDINARY) & (m.category[owner] != CASH))
    return found


def plan(world: World, rng: np.random.Generator, start_us: int, size: int) -> CompromisedDevice:
    candidates = targets(world)
    return CompromisedDevice(
        start_us=start_us,
        size=size,
        seed=int(rng.integers(2**63)),
        device=int(candidates[rng.integers(len(candidates))]),
        attackers=tuple(int(p) for p in distinct_payers(rng, len(world.payers), ATTACKER_ACCOUNTS)),
    )
