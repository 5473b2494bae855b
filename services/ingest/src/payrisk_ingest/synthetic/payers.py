"""Payers: where they live, their cards, contacts and habits (what they buy, how much, and when)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import Floats, Ints
from .catalog import CATEGORIES, EVERYDAY
from .config import GeneratorConfig
from .habits import ARCHETYPE_PROFILES, ARCHETYPES
from .places import CITIES, CITY_WEIGHTS, PLACES, scatter

PREFERRED_PER_PAYER = 3
# Share of a payer's everyday spending that goes to their preferred categories.
PREFERRED_SHARE = 0.75
CONTACTS_PER_PAYER = 5
HOME_SPREAD_KM = 7.0


@dataclass(frozen=True)
class PayerTable:
    ids: list[str]
    place: Ints
    latitude: Floats
    longitude: Floats
    ip_addresses: list[str]
    archetype: Ints
    # Relative number of payments; a few people pay far more often than most.
    activity: Floats
    # Multiplies every amount: some people spend more than others.
    amount_scale: Floats
    # (payers, categories): how a payer's everyday spending splits over categories.
    category_weights: Floats
    # (payers, PREFERRED_PER_PAYER): the categories each payer prefers, most preferred first.
    preferred: Ints
    # The cards of payer p are card_first[p] .. card_first[p] + card_count[p] - 1.
    card_first: Ints
    card_count: Ints
    card_ids: list[str]
    # (payers, CONTACTS_PER_PAYER): the people a payer usually sends money to.
    contacts: Ints

    def __len__(self) -> int:
        return len(self.ids)

    def pick_card(self, rng: np.random.Generator, payer: Ints) -> Ints:
        card: Ints = self.card_first[payer] + (rng.random(len(payer)) * self.card_count[payer]).astype(
            np.int64
        )
        return card


class ActivitySampler:
    """Draws who pays at a given local hour, in proportion to how active each payer is then."""

    def __init__(self, payers: PayerTable) -> None:
        self._order = np.argsort(payers.archetype, kind="stable")
        self._cumulative = np.cumsum(payers.activity[self._order])
        totals = np.bincount(payers.archetype, weights=payers.activity, minlength=len(ARCHETYPES))
        self._upper = np.cumsum(totals)
        self._lower = self._upper - totals
        by_hour = (ARCHETYPE_PROFILES * totals[:, None]).T
        # Relative number of payments per local hour, over everybody.
        self.hourly: Floats = by_hour.sum(axis=1) / by_hour.sum()
        self._archetype_cdf = np.cumsum(by_hour / by_hour.sum(axis=1, keepdims=True), axis=1)

    def draw(self, rng: np.random.Generator, local_hour: Ints) -> Ints:
        u = rng.random(len(local_hour))
        archetype = np.minimum(
            (self._archetype_cdf[local_hour] < u[:, None]).sum(axis=1), len(ARCHETYPES) - 1
        )
        lower, upper = self._lower[archetype], self._upper[archetype]
        position = np.searchsorted(self._cumulative, lower + rng.random(len(local_hour)) * (upper - lower))
        payer: Ints = self._order[np.minimum(position, len(self._order) - 1)]
        return payer


def _preferences(rng: np.random.Generator, n: int) -> tuple[Floats, Ints]:
    popularity = np.array([CATEGORIES[c].popularity for c in EVERYDAY])
    popularity = popularity / popularity.sum()
    # Gumbel top-k: PREFERRED_PER_PAYER distinct categories per payer, drawn by popularity.
    keys = np.log(popularity) + rng.gumbel(size=(n, len(EVERYDAY)))
    top = np.argsort(-keys, axis=1)[:, :PREFERRED_PER_PAYER]
    everyday = np.array(EVERYDAY)
    weights = np.zeros((n, len(CATEGORIES)))
    rest = np.tile(popularity, (n, 1))
    np.put_along_axis(rest, top, 0.0, axis=1)
    weights[:, everyday] = (1 - PREFERRED_SHARE) * rest / rest.sum(axis=1, keepdims=True)
    split = rng.dirichlet(np.full(PREFERRED_PER_PAYER, 2.0), size=n)
    order = np.argsort(-split, axis=1)
    split = np.take_along_axis(split, order, axis=1)
    rows = np.arange(n)[:, None]
    weights[rows, everyday[top]] += PREFERRED_SHARE * split
    return weights, everyday[top].astype(np.int64)


def _ip_addresses(rng: np.random.Generator, place: Ints) -> list[str]:
    addresses = []
    for p, v6, a, b in zip(
        place,
        rng.random(len(place)) < 0.15,
        rng.integers(1, 255, len(place)),
        rng.integers(1, 255, len(place)),
        strict=True,
    ):
        if v6:
            addresses.append(f"2409:8a{20 + int(p):02x}:{a * 251 + b:04x}:{b * 13:04x}::{a:x}")
        else:
            prefixes = PLACES[int(p)].ip_prefixes
            addresses.append(f"{prefixes[(a + b) % len(prefixes)]}.{a}.{b}")
    return addresses


def build_payers(config: GeneratorConfig, rng: np.random.Generator) -> PayerTable:
    n = config.payer_count
    place = rng.choice(CITIES, size=n, p=CITY_WEIGHTS).astype(np.int64)
    latitude, longitude = scatter(
        rng,
        np.array([PLACES[p].latitude for p in place]),
        np.array([PLACES[p].longitude for p in place]),
        HOME_SPREAD_KM,
    )
    card_count = np.where(rng.random(n) < 0.3, 2, 1).astype(np.int64)
    card_first = np.cumsum(card_count) - card_count
    weights, preferred = _preferences(rng, n)
    return PayerTable(
        ids=[f"{config.prefix}-p{i:07d}" for i in range(n)],
        place=place,
        latitude=latitude,
        longitude=longitude,
        ip_addresses=_ip_addresses(rng, place),
        archetype=rng.choice(len(ARCHETYPES), size=n, p=[a.share for a in ARCHETYPES]).astype(np.int64),
        activity=rng.lognormal(0.0, 0.6, n),
        amount_scale=rng.lognormal(0.0, 0.35, n),
        category_weights=weights,
        preferred=preferred,
        card_first=card_first,
        card_count=card_count,
        card_ids=[
            f"{config.prefix}-c{p:07d}-{k}" for p in range(n) for k in range(1, int(card_count[p]) + 1)
        ],
        contacts=(np.arange(n)[:, None] + rng.integers(1, n, size=(n, CONTACTS_PER_PAYER))) % n,
    )
