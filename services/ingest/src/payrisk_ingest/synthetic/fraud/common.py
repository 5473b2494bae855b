"""Pieces every scenario needs: where a payment happened, its fee, and fixed-value columns."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..arrays import Bools, Floats, Ints
from ..catalog import FEN, ITEM_COUNT
from ..world import World


class Where(NamedTuple):
    place: Ints
    latitude: Floats
    longitude: Floats


def at_merchant(world: World, merchant: Ints) -> Where:
    m = world.merchants
    return Where(m.place[merchant], m.latitude[merchant], m.longitude[merchant])


def at_home(world: World, payer: Ints) -> Where:
    p = world.payers
    return Where(p.place[payer], p.latitude[payer], p.longitude[payer])


def either(condition: Bools, yes: Where, no: Where) -> Where:
    return Where(*(np.where(condition, a, b) for a, b in zip(yes, no, strict=True)))


def fee(amount_minor: Ints, rate: Floats) -> Ints:
    fees: Ints = np.round(amount_minor * rate).astype(np.int64)
    return fees


def full(n: int, value: int) -> Ints:
    return np.full(n, value, dtype=np.int64)


def yuan(amount: Floats) -> Ints:
    minor: Ints = np.maximum(np.round(amount * FEN), 1).astype(np.int64)
    return minor


def any_item(world: World, rng: np.random.Generator, merchant: Ints) -> Ints:
    count = ITEM_COUNT[world.merchants.category[merchant]]
    item: Ints = (rng.random(len(merchant)) * count).astype(np.int64)
    return item


def distinct_payers(rng: np.random.Generator, n_payers: int, size: int, avoid: int | None = None) -> Ints:
    """`size` different payers, none of them `avoid`."""
    if avoid is None:
        chosen: Ints = rng.choice(n_payers, size=size, replace=False).astype(np.int64)
        return chosen
    others: Ints = rng.choice(n_payers - 1, size=size, replace=False).astype(np.int64)
    return others + (others >= avoid)
