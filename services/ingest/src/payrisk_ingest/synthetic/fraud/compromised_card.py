"""Compromised card: a card suddenly used far from home, in the small hours, many times, for much more.

After the Fraud Detection Handbook of Le Borgne et al.: the thief spends fast before the card is blocked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from payrisk.common.v1 import common_pb2

from ..catalog import MEDIAN_YUAN, TAGS
from ..columns import TransactionColumns
from ..config import HOUR_US
from ..habits import SMALL_HOURS
from ..places import CITIES, PLACES, scatter
from ..scenarios import COMPROMISED_CARD, code
from ..timing import into_hours, spread_over
from ..world import World
from .common import Where, any_item, at_merchant, either, fee, full, yuan

SIZES = (5, 25)
TARGETS = {"electronics": 0.35, "online_shopping": 0.3, "clothing": 0.15, "hotel": 0.1, "cinema": 0.1}


@dataclass(frozen=True, slots=True)
class CompromisedCard:
    start_us: int
    size: int
    seed: int
    payer: int
    card: int
    # A city other than the payer's.
    place: int

    def transactions(self, world: World) -> TransactionColumns:
        rng = np.random.default_rng(self.seed)
        n = self.size
        duration = int(rng.uniform(6, 48) * HOUR_US)
        category = np.array([TAGS.index(t) for t in TARGETS])[
            rng.choice(len(TARGETS), size=n, p=list(TARGETS.values()))
        ]
        merchant = world.groups.pick(rng, full(n, self.place), category)
        device = world.devices.pick(rng, merchant)
        in_person = device >= 0
        amount = yuan(MEDIAN_YUAN[category] * rng.uniform(3, 10, n))
        centre = PLACES[self.place]
        lat, lon = scatter(rng, np.full(n, centre.latitude), np.full(n, centre.longitude), 5.0)
        where = either(in_person, at_merchant(world, merchant), Where(full(n, self.place), lat, lon))
        return TransactionColumns(
            occurred_at_us=into_hours(rng, spread_over(rng, self.start_us, duration, n), SMALL_HOURS),
            merchant=merchant,
            payer=full(n, self.payer),
            payee=full(n, -1),
            device=device,
            card=full(n, self.card),
            amount_minor=amount,
            fee_minor=fee(amount, world.merchants.fee_rate[merchant]),
            type=full(n, common_pb2.TRANSACTION_TYPE_PURCHASE),
            channel=full(n, common_pb2.CHANNEL_ONLINE),
            place=where.place,
            latitude=where.latitude,
            longitude=where.longitude,
            ip=np.where(in_person, -1, world.foreign_ip(rng, n)),
            item=any_item(world, rng, merchant),
            scenario=full(n, code(COMPROMISED_CARD)),
        )


def plan(world: World, rng: np.random.Generator, start_us: int, size: int) -> CompromisedCard:
    payers = world.payers
    payer = int(rng.integers(len(payers)))
    home = int(payers.place[payer])
    elsewhere = [p for p in CITIES if p != home]
    weights = np.array([PLACES[p].weight for p in elsewhere])
    return CompromisedCard(
        start_us=start_us,
        size=size,
        seed=int(rng.integers(2**63)),
        payer=payer,
        card=int(payers.card_first[payer] + rng.integers(payers.card_count[payer])),
        place=int(rng.choice(elsewhere, p=weights / weights.sum())),
    )
