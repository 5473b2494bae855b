"""The online feature state: window sums, batch invariance, idempotency, late events, bounded memory."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from payrisk.common.v1 import common_pb2
from payrisk_risk.features import (
    FEATURES,
    FeatureState,
    StateLimits,
    columns_from_transactions,
    feature_matrix,
    observe,
)
from payrisk_risk.features.ids import Ids
from payrisk_risk.features.keys import HashedKeyTable, KeyTable
from payrisk_risk.features.seen import SeenIds
from risk_factories import DAY, HOUR, transaction

START = 1_767_225_600  # 2026-01-01T00:00:00Z, a Thursday
MINUTE = 60


def card_tx(n: int, seconds: int, amount: int = 10_000, **overrides: object) -> common_pb2.Transaction:
    return transaction(
        n, card_id="card-a", payer_id="payer-a", occurred_at=START + seconds, amount=amount, **overrides
    )


def sums_for(state: FeatureState, txs: list[common_pb2.Transaction]) -> dict[str, np.ndarray]:
    sums, _ = state.observe(columns_from_transactions(txs))
    return sums


def fresh(compiled: bool = True) -> FeatureState:
    return FeatureState(StateLimits(entities=10_000, relations=10_000, seen=10_000), 8.0, compiled)


def test_windows_count_and_sum_what_came_before_within_each_span():
    state = fresh()
    history = [
        card_tx(1, -40 * DAY, 111),  # beyond 30 days: forgotten
        card_tx(2, -20 * DAY, 200),  # 30 days only
        card_tx(3, -3 * DAY, 300),  # 7 and 30 days
        card_tx(4, -5 * HOUR, 400),  # 1 day, 7 and 30 days
        card_tx(5, -20 * MINUTE, 500),  # every window
    ]
    for tx in history:
        sums_for(state, [tx])
    now = sums_for(state, [card_tx(6, 0, 999)])
    expected = {"1h": (1, 5.0), "1d": (2, 9.0), "7d": (3, 12.0), "30d": (4, 14.0)}
    for window, (count, amount) in expected.items():
        assert now[f"card_count_{window}"][0] == count, window
        assert now[f"card_amount_{window}"][0] == pytest.approx(amount), window
    # The transaction itself is never part of its own history.
    assert now["payer_count_30d"][0] == 4


def test_features_do_not_depend_on_how_transactions_are_batched():
    txs = [
        transaction(
            n,
            card_id=f"c{n % 13}",
            payer_id=f"p{n % 17}",
            merchant_id=f"m{n % 5}",
            device_id=f"d{n % 7}" if n % 3 else "",
            payee_id=f"p{n % 11}" if n % 4 == 0 else "",
            occurred_at=START + n * 7 * MINUTE,
            amount=1_000 + n,
        )
        for n in range(400)
    ]
    cols = columns_from_transactions(txs)
    whole, _ = observe(fresh(), cols)
    for size in (1, 7, 64):
        state = fresh()
        parts = [
            observe(state, cols.take(np.arange(i, min(i + size, len(cols)))))[0]
            for i in range(0, len(cols), size)
        ]
        # Sums of float32 cells may differ in the last bits from float64 sums within a batch.
        np.testing.assert_allclose(np.vstack(parts), whole, rtol=1e-5, atol=1e-3)


def test_a_batch_counts_its_rows_in_time_order_whatever_their_order_in_the_batch():
    later, earlier = card_tx(2, 10 * MINUTE), card_tx(1, 0)
    sums = sums_for(fresh(), [later, earlier])
    assert list(sums["card_count_1h"]) == [1.0, 0.0]


def test_a_transaction_seen_again_is_not_counted_again():
    state = fresh()
    tx = card_tx(1, 0)
    _, new_first = state.observe(columns_from_transactions([tx, tx]))
    _, new_again = state.observe(columns_from_transactions([tx]))
    assert list(new_first) == [True, False]
    assert list(new_again) == [False]
    assert sums_for(state, [card_tx(2, MINUTE)])["card_count_1h"][0] == 1.0


def test_a_late_transaction_lands_in_its_own_time_and_sees_only_its_past():
    state = fresh()
    sums_for(state, [card_tx(1, 0), card_tx(2, 5 * HOUR)])
    # An offline bill of 2 hours in, synced after the 5-hour payment.
    late = sums_for(state, [card_tx(3, 2 * HOUR)])
    assert late["card_count_1d"][0] == 1.0
    after = sums_for(state, [card_tx(4, 5 * HOUR + MINUTE)])
    assert after["card_count_1d"][0] == 3.0


def test_entities_without_an_id_have_no_history_features():
    sums = sums_for(fresh(), [card_tx(1, 0, device_id="", payee_id="")])
    assert np.isnan(sums["device_count_1h"][0])
    assert np.isnan(sums["payer_payee_count_30d"][0])
    assert sums["merchant_count_1h"][0] == 0.0


def test_relations_count_how_often_a_pair_met():
    state = fresh()
    sums_for(
        state,
        [
            card_tx(1, 0, merchant_id="m-x"),
            card_tx(2, HOUR, merchant_id="m-x"),
            card_tx(3, 2 * HOUR, merchant_id="m-y"),
        ],
    )
    again = sums_for(state, [card_tx(4, 3 * HOUR, merchant_id="m-x")])
    assert again["payer_merchant_count_30d"][0] == 2.0


def test_the_feature_matrix_has_every_feature_in_order():
    matrix, _ = observe(fresh(), columns_from_transactions([card_tx(1, 0)]))
    assert matrix.shape == (1, len(FEATURES))
    row = dict(zip(FEATURES, matrix[0], strict=True))
    assert row["hour"] == pytest.approx(8.0)  # midnight UTC is 08:00 in China
    assert row["day_of_week"] == 3.0
    assert row["weekend"] == 0.0
    assert row["amount_log"] == pytest.approx(2.0)


def test_memory_is_bounded_and_the_least_recently_seen_are_forgotten():
    state = FeatureState(StateLimits(entities=50, relations=50, seen=1_000), 8.0)
    for n in range(200):
        sums_for(
            state,
            [transaction(n, card_id=f"c{n}", payer_id=f"p{n}", merchant_id="m-1", occurred_at=START + n)],
        )
    assert state.entities()["entities"] <= 50
    # The merchant, seen in every batch, is remembered through all the evictions.
    assert sums_for(state, [transaction(999, occurred_at=START + 300)])["merchant_count_1h"][0] == 200


@pytest.mark.parametrize("compiled", [False, True], ids=["reference", "compiled"])
def test_key_table_reuses_slots_of_forgotten_entities(compiled):
    forgotten = []
    table = HashedKeyTable(capacity=4, kinds=1) if compiled else KeyTable(capacity=4, kinds=1)

    def slots(keys: list[str]) -> list[int]:
        if isinstance(table, HashedKeyTable):
            return table.slots(Ids.from_strings(keys).hashes, len(keys)).tolist()
        return table.slots([keys]).tolist()

    table.watch(lambda size: None, lambda slots: forgotten.extend(slots.tolist()))
    first = slots(["a", "b", "c", "d"])
    again = slots(["e"])
    assert len(set(first)) == 4
    assert again[0] in first
    assert forgotten
    assert again[0] in forgotten
    assert slots(["", "e"]) == [-1, again[0]]
    assert len(table) == 4


def test_seen_ids_remember_at_least_the_most_recent_half_of_their_capacity():
    seen = SeenIds(capacity=200_000)
    ids = Ids.from_strings([f"t{i}" for i in range(150_000)]).hashes
    for start in range(0, len(ids), 1000):
        assert seen.add_new(ids[start : start + 1000]).all()
    assert not seen.add_new(ids[-100_000:]).any()
    assert len(seen) <= 200_000 + 65_536


@settings(max_examples=200, deadline=None)
@given(batches=st.lists(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=5), min_size=1, max_size=30))
def test_seen_ids_tell_new_ids_from_seen_ones_in_batches_of_any_size(batches):
    seen, remembered = SeenIds(capacity=1_000_000), set()
    for batch in batches:
        new = seen.add_new(np.array(batch, dtype=np.int64))
        expected = []
        for value in batch:
            expected.append(value not in remembered)
            remembered.add(value)
        assert new.tolist() == expected


def test_the_compiled_state_and_the_array_reference_agree():
    """Ids by hash, the hashed key table and the compiled ring loop give the reference's features, also
    through evictions, late and out-of-order events, repeated ids and entities without an id."""
    txs = [
        transaction(
            n % 577,  # some transactions come again
            card_id=f"c{n % 13}" if n % 5 else "",
            payer_id=f"p{n % 17}",
            merchant_id=f"m{n % 5}",
            device_id=f"d{n % 7}" if n % 3 else "",
            payee_id=f"p{n % 11}" if n % 4 == 0 else "",
            occurred_at=START + (n * 7919) % (40 * DAY),  # out of order, some late by days
            amount=1_000 + n,
        )
        for n in range(600)
    ] + [transaction(1000 + n, card_id=f"once-{n}", payer_id=f"payer-{n}") for n in range(300)]
    cols = columns_from_transactions(txs)

    def run(compiled: bool) -> np.ndarray:
        # Small enough for entities and relations to be forgotten along the way.
        state = FeatureState(StateLimits(entities=120, relations=150, seen=10_000), 8.0, compiled)
        return np.vstack(
            [
                observe(state, cols.take(np.arange(i, min(i + 50, len(cols)))))[0]
                for i in range(0, len(cols), 50)
            ]
        )

    np.testing.assert_allclose(run(True), run(False), rtol=1e-5, atol=1e-3)


def test_every_window_feature_in_the_matrix_is_the_named_sum():
    state = fresh()
    txs = [
        card_tx(n, n * 5 * MINUTE, 1_000 + n, merchant_id=f"m{n % 3}", payee_id=f"p{n % 4}")
        for n in range(40)
    ]
    observe(state, columns_from_transactions(txs[:30]))
    cols = columns_from_transactions(txs[30:])
    windows, _ = state.observe(cols)
    matrix = feature_matrix(cols, windows, 8.0)
    named = windows.named()
    checked = 0
    for j, name in enumerate(FEATURES):
        if name in named:
            np.testing.assert_array_equal(matrix[:, j], named[name], err_msg=name)
            checked += 1
    assert checked == 44
    row = dict(zip(FEATURES, matrix[-1], strict=True))
    assert row["card_amount_ratio_30d"] == pytest.approx(
        (1_039 / 100) / (named["card_amount_30d"][-1] / named["card_count_30d"][-1])
    )
    assert row["merchant_mean_fee_rate_30d"] == pytest.approx(
        named["merchant_fee_rate_30d"][-1] / named["merchant_count_30d"][-1]
    )
