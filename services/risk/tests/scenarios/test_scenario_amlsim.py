"""Loading the real AMLSim samples and recovering their laundering patterns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from payrisk_risk.scenarios import AmlsimSample, DatasetMissing, find_patterns, load_sample
from payrisk_risk.scenarios.amlsim import DATASET_DIR_ENV, declared_kinds, default_dataset_dir
from payrisk_risk.scenarios.patterns import UNKNOWN_KIND, laundering_transfers, local_kinds, shape_kind


def test_the_fan_in_sample_loads_as_published(fan_in_raw: AmlsimSample) -> None:
    t = fan_in_raw.transfers
    assert (t.n_accounts, len(t)) == (20_000, 118_250)
    assert int(fan_in_raw.fraud_account.sum()) == 954
    assert fan_in_raw.declared_kinds == ("fan_in",)
    assert t.amount.min() > 0
    assert 1 <= t.time.min() <= t.time.max() <= 200


def test_the_cycle_sample_declares_cycles(cycle_raw: AmlsimSample) -> None:
    assert cycle_raw.declared_kinds == ("cycle",)
    assert len(cycle_raw.transfers) == 117_805


def test_a_missing_dataset_directory_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(DatasetMissing, match=str(tmp_path)) as error:
        load_sample("fan_in", tmp_path)
    assert DATASET_DIR_ENV in str(error.value)


def test_the_dataset_directory_can_be_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATASET_DIR_ENV, str(tmp_path))
    assert default_dataset_dir() == tmp_path


@pytest.mark.parametrize(
    ("metadata", "kinds"),
    [
        ("nodes: 20,000\npatterns: 200 fan-in\n", ("fan_in",)),
        ("patterns: 200 cycles", ("cycle",)),
        ("patterns: 100 fan-in, 50 cycles, 10 scatter-gather", ("fan_in", "cycle", "scatter_gather")),
        ("nodes: 10", ()),
    ],
)
def test_pattern_kinds_come_from_the_metadata(metadata: str, kinds: tuple[str, ...]) -> None:
    assert declared_kinds(metadata) == kinds


def test_patterns_are_recovered_from_the_account_labels(fan_in_raw: AmlsimSample) -> None:
    patterns = find_patterns(fan_in_raw)
    t = fan_in_raw.transfers
    laundering = patterns.laundering
    # Only accounts in a pattern take part, and AMLSim plays each hop as a burst of small transfers.
    assert fan_in_raw.fraud_account[t.payer[laundering]].all()
    assert fan_in_raw.fraud_account[t.payee[laundering]].all()
    assert 150 <= len(patterns.kinds) <= 200
    assert set(patterns.kinds) == {"fan_in"}
    assert 1_700 <= int(laundering.sum()) <= 2_000
    assert np.median(t.amount[laundering]) < np.median(t.amount[~laundering]) / 10


def test_most_patterns_have_the_shape_of_their_kind(
    fan_in_raw: AmlsimSample, cycle_raw: AmlsimSample
) -> None:
    for sample, kind in ((fan_in_raw, "fan_in"), (cycle_raw, "cycle")):
        patterns = find_patterns(sample)
        t = sample.transfers
        shapes = [
            shape_kind(t.payer[patterns.pattern == p], t.payee[patterns.pattern == p])
            for p in range(len(patterns.kinds))
        ]
        whole = [s for s in shapes if s != UNKNOWN_KIND]
        assert sum(s == kind for s in whole) / len(whole) > 0.85


def test_shapes() -> None:
    ring = np.array([1, 2, 3]), np.array([2, 3, 1])
    star = np.array([1, 2, 3]), np.array([9, 9, 9])
    assert shape_kind(*ring) == "cycle"
    assert shape_kind(*star) == "fan_in"
    assert shape_kind(np.array([9, 9]), np.array([1, 2])) == "fan_out"
    assert shape_kind(np.array([1]), np.array([2])) == UNKNOWN_KIND


def test_transfers_get_the_kind_of_the_shape_around_them() -> None:
    # A fan-in into m, and a chain a -> b -> c -> d.
    sources = np.array([1, 2, 3, 10, 11, 12])
    targets = np.array([9, 9, 9, 11, 12, 13])
    assert local_kinds(sources, targets) == ["fan_in"] * 3 + ["cycle"] * 3
    assert local_kinds(np.array([5, 5]), np.array([6, 7])) == ["fan_out", "fan_out"]


def test_a_mixed_archive_gets_kinds_from_shapes(fan_in_raw: AmlsimSample) -> None:
    mixed = AmlsimSample(
        "mixed", fan_in_raw.transfers, fan_in_raw.fraud_account, fan_in_raw.joined_at, ("fan_in", "cycle")
    )
    patterns = find_patterns(mixed)
    assert set(patterns.kinds) <= {"fan_in", "cycle", UNKNOWN_KIND}
    kinds = [k for k in patterns.labels() if k]
    assert kinds.count("fan_in") / len(kinds) > 0.8
    assert int(laundering_transfers(mixed).sum()) == int(find_patterns(fan_in_raw).laundering.sum())
