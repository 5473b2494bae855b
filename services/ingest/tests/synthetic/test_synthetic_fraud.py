"""Every fraud scenario of the design is in the data, labelled, and looks like what it is."""

from __future__ import annotations

from collections import defaultdict
from statistics import median

import pyarrow as pa
import pytest
from payrisk.common.v1 import common_pb2
from payrisk_ingest.synthetic import FRAUD_SCENARIOS, iter_transaction_batches, to_arrow
from payrisk_ingest.synthetic.habits import SMALL_HOURS
from payrisk_ingest.synthetic.places import PLACES

SPARSE_CITIES = {p.name_en for p in PLACES if p.sparse}
TRANSFER = common_pb2.TRANSACTION_TYPE_TRANSFER
HOUR = 3600


def local_hour(tx: common_pb2.Transaction) -> int:
    return (tx.occurred_at.seconds + 8 * HOUR) // HOUR % 24


@pytest.fixture(scope="module")
def scenario_of(config) -> dict[str, str]:
    table = pa.concat_tables(to_arrow(b) for b in iter_transaction_batches(config))
    return dict(zip(table["transaction_id"].to_pylist(), table["fraud_scenario"].to_pylist(), strict=True))


@pytest.fixture(scope="module")
def by_scenario(data) -> dict[str, list[common_pb2.Transaction]]:
    scenario = {label.transaction_id: label.scenario for label in data.labels}
    grouped = defaultdict(list)
    for tx in data.transactions:
        grouped[scenario.get(tx.transaction_id, "")].append(tx)
    return grouped


def test_every_scenario_is_present_and_every_fraud_transaction_is_labelled_with_it(data, scenario_of):
    fraud = {tx_id: s for tx_id, s in scenario_of.items() if s}
    labelled = {label.transaction_id: label.scenario for label in data.labels if label.scenario}
    assert labelled == fraud
    assert set(fraud.values()) == set(FRAUD_SCENARIOS)
    assert all(label.label == common_pb2.FRAUD_LABEL_FRAUD for label in data.labels if label.scenario)
    assert 0.01 < len(fraud) / len(scenario_of) < 0.03


def test_a_sample_of_legitimate_transactions_is_labelled_too_and_labels_come_later(data):
    legitimate = [label for label in data.labels if not label.scenario]
    assert all(label.label == common_pb2.FRAUD_LABEL_LEGITIMATE for label in legitimate)
    assert 0.01 < len(legitimate) / len(data.transactions) < 0.03
    occurred = {tx.transaction_id: tx.occurred_at.seconds for tx in data.transactions}
    assert all(label.labeled_at.seconds > occurred[label.transaction_id] for label in data.labels)


def test_shell_merchants_sit_in_sparse_places_with_little_capital_and_move_odd_sums(data, by_scenario):
    shells = {m.merchant_id: m for m in data.merchants if m.merchant_id in data.truth.shell_merchants}
    assert shells
    for m in shells.values():
        assert m.registered_location.city in SPARSE_CITIES
        assert m.registered_capital.minor_units <= 20_000 * 100
    odd_types = sum(
        m.registration_type not in ("company", "individual", "partnership") for m in shells.values()
    )
    assert odd_types >= len(shells) / 2
    txs = by_scenario["shell_merchant"]
    assert {tx.merchant_id for tx in txs} <= shells.keys()
    moving = sum(tx.type in (TRANSFER, common_pb2.TRANSACTION_TYPE_CASH_OUT) for tx in txs)
    assert moving / len(txs) > 0.7
    assert all(tx.amount.minor_units % 100_00 for tx in txs)


def test_cash_out_uses_round_amounts_abnormal_fee_rates_and_many_withdrawals(data, by_scenario):
    txs = by_scenario["cash_out"]
    assert {tx.merchant_id for tx in txs} <= set(data.truth.cash_out_merchants)
    assert all(tx.amount.minor_units % 1_000_00 == 0 for tx in txs)
    rates = [tx.fee.minor_units / tx.amount.minor_units for tx in txs]
    assert all(rate < 0.0006 or rate > 0.014 for rate in rates)
    withdrawals = sum(tx.type == common_pb2.TRANSACTION_TYPE_WITHDRAWAL for tx in txs)
    assert withdrawals / len(txs) > 0.3


def test_compromised_cards_are_used_far_from_home_at_night_for_much_more(data, by_scenario):
    home = {card: p.home_city for p in data.truth.payers for card in p.card_ids}
    legitimate_amounts = defaultdict(list)
    for tx in by_scenario[""]:
        legitimate_amounts[tx.card_id].append(tx.amount.minor_units)
    fraud_by_card = defaultdict(list)
    for tx in by_scenario["compromised_card"]:
        fraud_by_card[tx.card_id].append(tx)
    assert fraud_by_card.keys() == set(data.truth.compromised_cards)
    for card, txs in fraud_by_card.items():
        assert len(txs) >= 5
        assert all(tx.location.city != home[card] for tx in txs)
        assert all(local_hour(tx) in SMALL_HOURS for tx in txs)
        if legitimate_amounts[card]:
            assert median(tx.amount.minor_units for tx in txs) > 2 * median(legitimate_amounts[card])


def test_fan_in_is_many_payers_paying_one_payee_within_hours(data, by_scenario):
    by_payee = defaultdict(list)
    for tx in by_scenario["fan_in"]:
        by_payee[tx.payee_id].append(tx)
    assert by_payee.keys() == set(data.truth.fan_in_payees)
    for txs in by_payee.values():
        assert all(tx.type == TRANSFER for tx in txs)
        assert len({tx.payer_id for tx in txs}) == len(txs) >= 15
        times = [tx.occurred_at.seconds for tx in txs]
        assert max(times) - min(times) <= 6 * HOUR


def test_cycles_send_money_around_a_ring_back_to_the_start(data, by_scenario):
    hops = {(tx.payer_id, tx.payee_id): tx for tx in by_scenario["cycle"]}
    assert data.truth.cycles
    for ring in data.truth.cycles:
        legs = [hops[(ring[i], ring[(i + 1) % len(ring)])] for i in range(len(ring))]
        assert legs[-1].payee_id == legs[0].payer_id
        amounts = [leg.amount.minor_units for leg in legs]
        assert amounts == sorted(amounts, reverse=True)
        times = [leg.occurred_at.seconds for leg in legs]
        assert times == sorted(times)
        assert times[-1] - times[0] <= 48 * HOUR


def test_compromised_devices_capture_offline_refunds_and_sales_at_night(data, by_scenario):
    txs = by_scenario["compromised_device"]
    assert {tx.device_id for tx in txs} == set(data.truth.compromised_devices)
    assert all(tx.channel == common_pb2.CHANNEL_OFFLINE for tx in txs)
    assert all(local_hour(tx) in SMALL_HOURS for tx in txs)
    assert any(tx.type == common_pb2.TRANSACTION_TYPE_REFUND for tx in txs)
