"""Merchants, devices, payers and transactions look real and pass ingest's own validation."""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict

import numpy as np
from payrisk.common.v1 import common_pb2
from payrisk_ingest.synthetic.keys import public_key_pem
from payrisk_ingest.synthetic.places import PLACES, distance_km
from payrisk_ingest.validation import device_violations, merchant_violations, transaction_violations

CHINESE = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3}")
SPARSE_CITIES = {p.name_en for p in PLACES if p.sparse}


def test_every_registration_and_transaction_passes_ingest_validation(data):
    now = time.time()
    assert not [v.items for m in data.merchants if (v := merchant_violations(m, "m"))]
    assert not [v.items for d in data.devices if (v := device_violations(d, "d"))]
    assert not [v.items for t in data.transactions if (v := transaction_violations(t, "t", now))]


def test_merchant_names_and_bill_descriptions_are_in_chinese_and_english(data):
    for text in [m.name for m in data.merchants] + [t.description for t in data.transactions[:2000]]:
        assert CHINESE.search(text), text
        assert LATIN.search(text), text


def test_registration_types_are_mostly_ordinary_with_rare_odd_ones(data):
    types = Counter(m.registration_type for m in data.merchants)
    assert {"company", "individual", "partnership"} <= types.keys()
    assert types["company"] > types["individual"] > types["partnership"]
    odd = sum(n for t, n in types.items() if t not in ("company", "individual", "partnership"))
    assert 0 < odd < len(data.merchants) * 0.1


def test_city_merchants_crowd_commercial_centres_while_sparse_ones_stand_apart(data):
    def nearest_neighbour_km(merchants) -> float:
        lat = np.array([m.registered_location.point.latitude for m in merchants])
        lon = np.array([m.registered_location.point.longitude for m in merchants])
        distances = distance_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
        np.fill_diagonal(distances, np.inf)
        return float(np.median(distances.min(axis=1)))

    in_cities = [m for m in data.merchants if m.registered_location.city not in SPARSE_CITIES]
    sparse = [m for m in data.merchants if m.registered_location.city in SPARSE_CITIES]
    assert nearest_neighbour_km(in_cities) < 0.5
    assert nearest_neighbour_km(sparse) > 5 * nearest_neighbour_km(in_cities)


def test_each_device_key_is_a_p256_key_pair_matching_the_registered_pem(data):
    assert len(data.device_keys) == len(data.devices)
    for device in data.devices:
        assert public_key_pem(data.device_keys[device.device_id]) == device.public_key_pem


def test_online_and_offline_transactions_of_every_type(data):
    kinds = Counter((t.type, t.channel) for t in data.transactions)
    assert {t for t, _ in kinds} >= {
        common_pb2.TRANSACTION_TYPE_PURCHASE,
        common_pb2.TRANSACTION_TYPE_REFUND,
        common_pb2.TRANSACTION_TYPE_TRANSFER,
        common_pb2.TRANSACTION_TYPE_WITHDRAWAL,
        common_pb2.TRANSACTION_TYPE_CASH_OUT,
    }
    offline = sum(n for (_, c), n in kinds.items() if c == common_pb2.CHANNEL_OFFLINE)
    assert 0.15 < offline / len(data.transactions) < 0.45


def test_fees_follow_realistic_rates_for_legitimate_purchases(data):
    fraud = {label.transaction_id for label in data.labels if label.scenario}
    rates = [
        t.fee.minor_units / t.amount.minor_units
        for t in data.transactions
        if t.type == common_pb2.TRANSACTION_TYPE_PURCHASE and t.transaction_id not in fraud
        and t.amount.minor_units > 10_000
    ]  # fmt: skip
    assert 0.002 < float(np.median(rates)) < 0.007
    assert max(rates) < 0.0075


def test_payers_mostly_buy_what_the_ground_truth_says_they_prefer(data):
    preferred = data.truth.preferred_categories
    bought: dict[str, Counter[str]] = defaultdict(Counter)
    for t in data.transactions:
        if t.type == common_pb2.TRANSACTION_TYPE_PURCHASE:
            bought[t.payer_id][t.business_tags[0]] += 1
    frequent = {p: c for p, c in bought.items() if c.total() >= 20}
    assert len(frequent) > 100
    hits = sum(c.most_common(1)[0][0] in preferred[p] for p, c in frequent.items())
    assert hits / len(frequent) > 0.8


def test_every_payer_has_a_profile_with_cards_home_and_habits(data):
    payers = data.truth.payers
    assert len({p.payer_id for p in payers}) == len(payers)
    for p in payers[:200]:
        assert p.card_ids
        assert p.home_city not in SPARSE_CITIES
        assert len(p.preferred_categories) == len(p.usual_amounts_minor) == 3
        assert p.active_hours
        assert all(0 <= h < 24 for h in p.active_hours)
