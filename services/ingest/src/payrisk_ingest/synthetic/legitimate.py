"""Everyday payments: people buying what they like, where they live, when they are awake; and moving money."""

from __future__ import annotations

import numpy as np
from payrisk.common.v1 import common_pb2

from .arrays import Floats, Ints
from .catalog import (
    CASH,
    CASH_DEPOSIT_ITEM,
    CASH_WITHDRAWAL_ITEM,
    CATEGORIES,
    FEN,
    ITEM_COUNT,
    MEDIAN_YUAN,
    ONLINE_SHOPPING,
    SPREAD,
    TRANSFER,
)
from .columns import TransactionColumns
from .config import HOUR_US
from .habits import CATEGORY_HOURS
from .places import CITIES, CITY_WEIGHTS
from .timing import local_hour
from .world import World

PURCHASE = common_pb2.TRANSACTION_TYPE_PURCHASE
REFUND = common_pb2.TRANSACTION_TYPE_REFUND
TRANSFER_TYPE = common_pb2.TRANSACTION_TYPE_TRANSFER
WITHDRAWAL = common_pb2.TRANSACTION_TYPE_WITHDRAWAL
DEPOSIT = common_pb2.TRANSACTION_TYPE_DEPOSIT
ONLINE = common_pb2.CHANNEL_ONLINE
OFFLINE = common_pb2.CHANNEL_OFFLINE

TYPE_SHARES = {PURCHASE: 0.86, REFUND: 0.02, TRANSFER_TYPE: 0.07, WITHDRAWAL: 0.04, DEPOSIT: 0.01}
TRAVEL_SHARE = 0.03


def legitimate(
    world: World, rng: np.random.Generator, hour_starts_us: Ints, counts: Ints
) -> TransactionColumns:
    """counts[i] payments in the hour starting at hour_starts_us[i]."""
    n = int(counts.sum())
    times = np.repeat(hour_starts_us, counts) + (rng.random(n) * HOUR_US).astype(np.int64)
    payers, merchants = world.payers, world.merchants
    payer = world.activity.draw(rng, local_hour(times))
    kind = rng.choice(list(TYPE_SHARES), size=n, p=list(TYPE_SHARES.values())).astype(np.int64)
    category = np.select(
        [kind == TRANSFER_TYPE, (kind == WITHDRAWAL) | (kind == DEPOSIT)],
        [TRANSFER, CASH],
        _everyday_category(world, rng, payer, local_hour(times)),
    )
    away = (rng.random(n) < TRAVEL_SHARE) | (category == ONLINE_SHOPPING)
    place = np.where(away, rng.choice(CITIES, size=n, p=CITY_WEIGHTS), payers.place[payer])
    merchant = world.groups.pick(rng, place, category)
    device = world.devices.pick(rng, merchant)
    in_person = device >= 0
    offline = in_person & (rng.random(n) < merchants.offline_rate[merchant])
    amount = _amount(rng, kind, category, payers.amount_scale[payer])
    transfer_to = np.where(
        rng.random(n) < 0.9,
        payers.contacts[payer, rng.integers(payers.contacts.shape[1], size=n)],
        (payer + rng.integers(1, len(payers), size=n)) % len(payers),
    )
    return TransactionColumns(
        occurred_at_us=times,
        merchant=merchant,
        payer=payer,
        payee=np.where(kind == TRANSFER_TYPE, transfer_to, -1),
        device=device,
        card=payers.pick_card(rng, payer),
        amount_minor=amount,
        fee_minor=np.where(kind == REFUND, 0, np.round(amount * merchants.fee_rate[merchant])).astype(
            np.int64
        ),
        type=kind,
        channel=np.where(offline, OFFLINE, ONLINE),
        place=np.where(in_person, merchants.place[merchant], payers.place[payer]),
        latitude=np.where(in_person, merchants.latitude[merchant], payers.latitude[payer]),
        longitude=np.where(in_person, merchants.longitude[merchant], payers.longitude[payer]),
        ip=np.where(in_person, -1, payer),
        item=_item(rng, kind, category),
        scenario=np.zeros(n, dtype=np.int64),
    )


def _everyday_category(world: World, rng: np.random.Generator, payer: Ints, hour: Ints) -> Ints:
    """What each payer buys at that hour: their own preferences, shaped by what sells at that hour."""
    weights = world.payers.category_weights[payer] * CATEGORY_HOURS[:, hour].T
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(len(payer)) * cumulative[:, -1]
    category: Ints = np.minimum((cumulative < u[:, None]).sum(axis=1), len(CATEGORIES) - 1)
    return category


def _amount(rng: np.random.Generator, kind: Ints, category: Ints, scale: Floats) -> Ints:
    n = len(kind)
    bought = MEDIAN_YUAN[category] * scale * rng.lognormal(0.0, SPREAD[category])
    sent = rng.lognormal(np.log(300), 1.0, n)
    # People often send round sums.
    sent = np.where(rng.random(n) < 0.3, np.maximum(np.round(sent, -2), 100), sent)
    cash = 100 * np.maximum(1, np.round(rng.lognormal(np.log(8), 0.7, n)))
    yuan = np.select(
        [kind == PURCHASE, kind == REFUND, kind == TRANSFER_TYPE],
        [bought, bought * rng.uniform(0.2, 1.0, n), sent],
        cash,
    )
    amount: Ints = np.maximum(np.round(yuan * FEN), 100).astype(np.int64)
    return amount


def _item(rng: np.random.Generator, kind: Ints, category: Ints) -> Ints:
    item: Ints = np.select(
        [kind == WITHDRAWAL, kind == DEPOSIT],
        [CASH_WITHDRAWAL_ITEM, CASH_DEPOSIT_ITEM],
        (rng.random(len(kind)) * ITEM_COUNT[category]).astype(np.int64),
    )
    return item
