"""Learning scenarios, matching against them, their held-out precision and recall, and keeping them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from payrisk_risk.scenarios import (
    FEATURE_NAMES,
    TEST,
    KnowledgeBase,
    KnowledgeBaseUnusable,
    LabelledSample,
    NoSamples,
    ScenarioSpec,
    SourcePlan,
    amlsim_sample,
    build,
    split,
    store,
)
from payrisk_risk.scenarios.amlsim import AmlsimSample

FAN_IN = ScenarioSpec("amlsim_fan_in", "fan-in", "fan_in")
CYCLE = ScenarioSpec("amlsim_cycle", "cycle", "cycle")


def both(fan_in: LabelledSample, cycle: LabelledSample) -> KnowledgeBase:
    return build([SourcePlan(fan_in, (FAN_IN,)), SourcePlan(cycle, (CYCLE,))], FEATURE_NAMES)


def called(knowledge: KnowledgeBase, sample: LabelledSample, scenario_id: str) -> tuple[float, int]:
    """Share of the sample's pattern rows matched to the scenario, and normal rows matched to it."""
    alone = KnowledgeBase(
        FEATURE_NAMES, tuple(s for s in knowledge.scenarios if s.scenario_id == scenario_id)
    )
    predicted = np.array(alone.predict(sample.features))
    risky = np.array(sample.labels) != ""
    return float((predicted[risky] == scenario_id).mean()), int((predicted[~risky] == scenario_id).sum())


@pytest.fixture(scope="module")
def quick_knowledge(fan_in_quick: LabelledSample, cycle_quick: LabelledSample) -> KnowledgeBase:
    return both(fan_in_quick, cycle_quick)


def test_held_out_fan_ins_and_cycles_are_recognised(quick_knowledge: KnowledgeBase) -> None:
    for scenario in quick_knowledge.scenarios:
        assert scenario.precision > 0.6, scenario
        assert scenario.recall > 0.6, scenario
        assert 1 <= scenario.clusters <= 4


def test_one_kind_is_not_taken_for_the_other(
    quick_knowledge: KnowledgeBase, fan_in_quick: LabelledSample, cycle_quick: LabelledSample
) -> None:
    cycles_as_fan_in, _ = called(quick_knowledge, cycle_quick, FAN_IN.scenario_id)
    fan_ins_as_cycle, _ = called(quick_knowledge, fan_in_quick, CYCLE.scenario_id)
    assert cycles_as_fan_in < 0.2
    assert fan_ins_as_cycle < 0.2


def test_normal_transfers_of_another_graph_are_left_alone(
    quick_knowledge: KnowledgeBase, cycle_quick: LabelledSample
) -> None:
    _, normal_as_fan_in = called(quick_knowledge, cycle_quick, FAN_IN.scenario_id)
    assert normal_as_fan_in <= 0.001 * len(cycle_quick)


@pytest.mark.slow
def test_on_the_whole_samples(fan_in_raw: AmlsimSample, cycle_raw: AmlsimSample) -> None:
    fan_in, cycle = amlsim_sample(fan_in_raw), amlsim_sample(cycle_raw)
    knowledge = both(fan_in, cycle)
    for scenario in knowledge.scenarios:
        assert scenario.precision > 0.8, scenario
        assert scenario.recall > 0.7, scenario
    assert called(knowledge, cycle, FAN_IN.scenario_id)[0] < 0.1
    assert called(knowledge, fan_in, CYCLE.scenario_id)[0] < 0.1


def test_the_best_match_decides(quick_knowledge: KnowledgeBase, cycle_quick: LabelledSample) -> None:
    rows = np.flatnonzero(np.array(cycle_quick.labels) == "cycle")
    matches = quick_knowledge.match(cycle_quick.features[rows[0]])
    assert [m.ratio for m in matches] == sorted(m.ratio for m in matches)
    normal = int(np.flatnonzero(np.array(cycle_quick.labels) == "")[0])
    assert not quick_knowledge.match(cycle_quick.features[normal])[0].within_threshold
    assert quick_knowledge.predict(cycle_quick.features[[normal]]) == [""]


def test_the_split_keeps_patterns_whole(fan_in_quick: LabelledSample) -> None:
    parts = split(fan_in_quick, seed=3)
    for group in np.unique(fan_in_quick.groups)[:2000]:
        assert len(set(parts[fan_in_quick.groups == group].tolist())) == 1
    risky = np.array(fan_in_quick.labels) == "fan_in"
    assert set(parts[risky].tolist()) == {0, 1, 2}
    assert (parts[risky] == TEST).mean() > 0.1


def test_generated_scenarios_are_learned_from_labels(generated_quick_sample: LabelledSample) -> None:
    kinds = generated_quick_sample.kinds()
    assert set(kinds) == {
        "shell_merchant",
        "cash_out",
        "compromised_card",
        "compromised_device",
        "fan_in",
        "cycle",
    }
    knowledge = build(
        [SourcePlan(generated_quick_sample, tuple(ScenarioSpec(k, k, k) for k in kinds))], FEATURE_NAMES
    )
    assert {s.scenario_id for s in knowledge.scenarios} == set(kinds)
    assert all(s.threshold > 0 and s.samples > 0 for s in knowledge.scenarios)


@pytest.mark.slow
def test_generated_scenarios_held_out(generated_sample: LabelledSample) -> None:
    kinds = generated_sample.kinds()
    knowledge = build(
        [SourcePlan(generated_sample, tuple(ScenarioSpec(k, k, k) for k in kinds))], FEATURE_NAMES
    )
    figures = {s.scenario_id: (s.precision, s.recall) for s in knowledge.scenarios}
    for kind in ("fan_in", "cycle", "cash_out", "shell_merchant"):
        assert min(figures[kind]) > 0.6, figures
    for kind in ("compromised_card", "compromised_device"):
        assert min(figures[kind]) > 0.3, figures


def test_a_scenario_without_rows_is_refused(fan_in_quick: LabelledSample) -> None:
    with pytest.raises(NoSamples, match="cycle"):
        build([SourcePlan(fan_in_quick, (CYCLE,))], FEATURE_NAMES)


def test_the_knowledge_base_survives_a_restart(
    quick_knowledge: KnowledgeBase, cycle_quick: LabelledSample, tmp_path: Path
) -> None:
    store.save(quick_knowledge, tmp_path)
    loaded = store.load(tmp_path, FEATURE_NAMES)
    assert loaded is not None
    assert loaded.predict(cycle_quick.features) == quick_knowledge.predict(cycle_quick.features)
    assert [s.precision for s in loaded.scenarios] == [s.precision for s in quick_knowledge.scenarios]


def test_a_knowledge_base_of_other_features_is_refused(
    quick_knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    path = store.save(quick_knowledge, tmp_path)
    document = json.loads(path.read_text())
    document["feature_names"] = document["feature_names"][:-1]
    path.write_text(json.dumps(document))
    with pytest.raises(KnowledgeBaseUnusable, match="other features"):
        store.load(tmp_path, FEATURE_NAMES)
    path.write_text("{not json")
    with pytest.raises(KnowledgeBaseUnusable):
        store.load(tmp_path, FEATURE_NAMES)
    assert store.load(tmp_path / "none", FEATURE_NAMES) is None


def test_building_again_replaces_only_the_rebuilt(
    quick_knowledge: KnowledgeBase, fan_in_quick: LabelledSample
) -> None:
    renamed = ScenarioSpec(FAN_IN.scenario_id, "fan-in again", "fan_in")
    rebuilt = build([SourcePlan(fan_in_quick, (renamed,))], FEATURE_NAMES, base=quick_knowledge)
    assert [s.scenario_id for s in rebuilt.scenarios] == [CYCLE.scenario_id, FAN_IN.scenario_id]
    assert rebuilt.scenarios[1].name == "fan-in again"
