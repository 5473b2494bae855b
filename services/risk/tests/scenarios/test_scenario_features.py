"""Features of the relation graph: the shapes they should see, and what they must not depend on."""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest
from payrisk.ingest.v1 import ingest_pb2
from payrisk_risk.scenarios import (
    AMLSIM_SCALE,
    FEATURE_NAMES,
    PAYRISK_SCALE,
    AmlsimSample,
    RelationGraph,
    TimeScale,
    feature_matrix,
    feature_vector,
    relation_groups,
    to_transfers,
)
from payrisk_risk.scenarios.cycles import MAX_LENGTH, cycle_path, find_cycles
from payrisk_risk.scenarios.transfers import Transfers, intern

Row = tuple[str, str, float, float]
# Unrelated traffic so that the shapes under test sit in a graph, not alone.
BACKGROUND: list[Row] = [(f"x{i}", f"x{(i * 7 + 3) % 40}", 50.0 + 13 * i, float(i % 9)) for i in range(40)]


def transfers(rows: list[Row]) -> Transfers:
    accounts, vocabulary = intern([r[0] for r in rows] + [r[1] for r in rows])
    n = len(rows)
    return Transfers(
        ids=[f"t{i}" for i in range(n)],
        payer=accounts[:n],
        payee=accounts[n:],
        amount=np.array([r[2] for r in rows]),
        time=np.array([r[3] for r in rows]),
        accounts=vocabulary,
    )


def features_of(rows: list[Row], index: int, scale: TimeScale = AMLSIM_SCALE) -> dict[str, float]:
    graph = RelationGraph(transfers(rows + BACKGROUND), scale)
    row = feature_matrix(graph, np.array([index]))[0]
    return dict(zip(FEATURE_NAMES, row.tolist(), strict=True))


def test_a_fan_in_shows_as_similar_inflows_to_the_payee() -> None:
    rows = [(f"s{i}", "mule", 100.0 * (1 + 0.03 * i), float(10 * i)) for i in range(5)]
    f = features_of(rows, 0)
    assert f["so_payee_inflow_similar"] == pytest.approx(math.log1p(4))
    assert f["so_payee_outflow_similar"] == f["so_payer_inflow_similar"] == 0
    assert f["so_cycle"] == 0


def test_a_burst_of_senders_shows_within_the_window() -> None:
    rows = [(f"s{i}", "mule", 100.0 * (1 + 0.5 * i), 3.0 + 0.05 * i) for i in range(6)]
    assert features_of(rows, 0)["so_payee_senders_burst"] == pytest.approx(math.log1p(5))


def test_a_ring_is_a_cycle_that_loses_a_little_at_each_hop() -> None:
    ring = ["a", "b", "c", "d"]
    rows = [(ring[i], ring[(i + 1) % 4], 1000.0 * 0.99**i, float(i)) for i in range(4)]
    for i in range(4):
        f = features_of(rows, i)
        assert f["so_cycle"] == 1
        assert f["so_payee_outflow_similar"] == f["so_payer_inflow_similar"] == pytest.approx(math.log(2))
    assert features_of(rows, 0)["so_cycle_drift"] == pytest.approx(3 * math.log(0.99) / 4)


def test_a_ring_longer_than_the_search_is_not_a_cycle() -> None:
    n = MAX_LENGTH + 1
    rows = [(f"r{i}", f"r{(i + 1) % n}", 500.0, float(i)) for i in range(n)]
    assert features_of(rows, 0)["so_cycle"] == 0


def test_money_that_changes_amount_does_not_close_a_cycle() -> None:
    rows = [("a", "b", 1000.0, 0.0), ("b", "c", 400.0, 1.0), ("c", "a", 1000.0, 2.0)]
    assert features_of(rows, 0)["so_cycle"] == 0


def test_paying_back_is_reciprocity_not_a_cycle() -> None:
    f = features_of([("a", "b", 100.0, 0.0), ("b", "a", 100.0, 1.0)], 0)
    assert (f["so_reciprocal"], f["so_cycle"]) == (1, 0)


def test_a_burst_of_one_pair_is_one_link() -> None:
    rows = [("a", "b", 4.0, 7.0), ("a", "b", 4.4, 7.0), ("a", "b", 3.6, 7.0), ("a", "c", 400.0, 3.0)]
    f = features_of(rows, 0)
    assert f["tx_repeats"] == pytest.approx(math.log(3))
    assert f["tx_spread"] == pytest.approx(np.std([4.0, 4.4, 3.6]) / 4.0)
    # The amount against what the payer moves with everyone else: a hundredth.
    assert f["tx_amount_vs_payer"] == pytest.approx(math.log(4.0 / 400))


def test_a_cycle_path_is_the_one_the_search_found(cycle_quick_raw: AmlsimSample) -> None:
    graph = RelationGraph(cycle_quick_raw.transfers, AMLSIM_SCALE)
    lengths = find_cycles(graph, np.arange(len(graph.links))).length
    found = np.flatnonzero(lengths > 0)
    assert len(found) > 20
    links = graph.links
    for origin in found[:50].tolist():
        path = cycle_path(graph, origin)
        assert len(path) == lengths[origin]
        assert links.dst[path[-1]] == links.src[origin]
        assert all(links.dst[a] == links.src[b] for a, b in pairwise(path))


def test_features_do_not_depend_on_currency_or_clock(cycle_quick_raw: AmlsimSample) -> None:
    t = cycle_quick_raw.transfers
    index = np.arange(0, len(t), 7)
    base = feature_matrix(RelationGraph(t, AMLSIM_SCALE), index)
    cents = replace(t, amount=t.amount * 100)
    hours = replace(t, time=t.time * 24)
    assert np.allclose(feature_matrix(RelationGraph(cents, AMLSIM_SCALE), index), base)
    assert np.allclose(feature_matrix(RelationGraph(hours, TimeScale(burst=12.0)), index), base)


def test_the_groups_carry_the_feature_vector(cycle_quick_raw: AmlsimSample) -> None:
    graph = RelationGraph(cycle_quick_raw.transfers, AMLSIM_SCALE)
    index = np.arange(0, len(graph.transfers), 997)
    rows = feature_matrix(graph, index)
    for i, row in zip(index.tolist(), rows, strict=True):
        groups = relation_groups(graph, i, row)
        assert np.array_equal(feature_vector(groups), row)
        assert {g.dimension for g in groups} >= {"transaction", "behaviour", "social"}


def test_payrisk_transactions_have_all_four_dimensions(
    generated_quick: list[ingest_pb2.TransactionRecord],
) -> None:
    graph = RelationGraph(to_transfers([r.transaction for r in generated_quick]), PAYRISK_SCALE)
    in_person = next(i for i, r in enumerate(generated_quick) if r.transaction.device_id)
    row = feature_matrix(graph, np.array([in_person]))[0]
    groups = relation_groups(graph, in_person, row)
    assert {g.dimension for g in groups} == {"transaction", "device", "behaviour", "social"}
    assert np.array_equal(feature_vector(groups), row)
    devices = [g for g in groups if g.target.startswith("device:")]
    assert devices[0].source == f"account:{generated_quick[in_person].transaction.payer_id}"
