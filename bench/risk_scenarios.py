"""Scenario matching on the relation graph: how well the knowledge base recognises patterns it was not built
from, and how long building and matching take.

Learned from the real AMLSim samples (fan-in from 20K_fanin200, cycle from 20K_cycle200) and from generated
payrisk data labelled with its six scenarios. Each sample is split by pattern (or account) into train,
calibration and test parts; precision and recall are on the test part, matched against the whole knowledge
base, for three different splits. Cross-sample: each AMLSim scenario on its own, applied to the other
sample's patterns (a fan-in scenario should not call cycles fan-in). Any further AMLSim archive given with
--evaluate is matched with the knowledge base as built, untouched.

    python bench/risk_scenarios.py [--transactions 100000] [--evaluate other.tgz ...]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _harness import report
from payrisk.ingest.v1 import ingest_pb2
from payrisk_ingest.synthetic import GeneratorConfig, generate
from payrisk_risk.scenarios import (
    AMLSIM_SCALE,
    FEATURE_NAMES,
    PAYRISK_SCALE,
    KnowledgeBase,
    LabelledSample,
    LearningSettings,
    RelationGraph,
    ScenarioSpec,
    SourcePlan,
    amlsim_sample,
    build,
    feature_matrix,
    find_patterns,
    load_archive,
    load_sample,
    records_sample,
    relation_groups,
    scores,
    to_transfers,
)
from payrisk_risk.scenarios.amlsim import default_dataset_dir

AMLSIM = {
    "fan_in": ScenarioSpec("amlsim_fan_in", "fan-in (AMLSim)", "fan_in"),
    "cycle": ScenarioSpec("amlsim_cycle", "cycle (AMLSim)", "cycle"),
}
SEEDS = (0, 1, 2)


def generated_records(transactions: int) -> list[ingest_pb2.TransactionRecord]:
    data = generate(GeneratorConfig(transactions=transactions, seed=7))
    labels = {label.transaction_id: label for label in data.labels}
    records = []
    for tx in data.transactions:
        record = ingest_pb2.TransactionRecord(transaction=tx)
        label = labels.get(tx.transaction_id)
        if label is not None:
            record.label, record.label_scenario = label.label, label.scenario
        records.append(record)
    return records


def figure(value: float) -> str:
    return "  -  " if np.isnan(value) else f"{value:.3f}"


def alone(knowledge: KnowledgeBase, scenario_id: str) -> KnowledgeBase:
    return KnowledgeBase(FEATURE_NAMES, tuple(s for s in knowledge.scenarios if s.scenario_id == scenario_id))


def called(knowledge: KnowledgeBase, sample: LabelledSample, scenario_id: str) -> tuple[int, int, int, int]:
    """(pattern rows called the scenario, pattern rows, normal rows called it, normal rows)."""
    predicted = np.array(knowledge.predict(sample.features))
    risky = np.array(sample.labels) != ""
    hit = predicted == scenario_id
    return int(hit[risky].sum()), int(risky.sum()), int(hit[~risky].sum()), int((~risky).sum())


def held_out(plans: list[SourcePlan]) -> KnowledgeBase:
    rows: dict[str, list[tuple[float, float]]] = {}
    knowledge = None
    for seed in SEEDS:
        built = build(plans, FEATURE_NAMES, LearningSettings(seed=seed))
        knowledge = knowledge or built
        for s in built.scenarios:
            rows.setdefault(s.scenario_id, []).append((s.precision, s.recall))
    assert knowledge is not None
    table = []
    for s in knowledge.scenarios:
        p, r = zip(*rows[s.scenario_id], strict=True)
        table.append(
            (
                f"{s.scenario_id} ({s.source})",
                f"precision {' '.join(figure(x) for x in p)}   recall {' '.join(figure(x) for x in r)}"
                f"   [{s.samples} training rows, {s.clusters} clusters, threshold {s.threshold:.2f}]",
            )
        )
    report(f"held-out precision and recall per scenario (splits {', '.join(map(str, SEEDS))})", table)
    return knowledge


def cross_sample(knowledge: KnowledgeBase, fan_in: LabelledSample, cycle: LabelledSample) -> None:
    """Each AMLSim scenario on its own on the other sample: as built with both samples (its threshold has
    seen the other kind), and built from its own sample only."""
    separate = {
        "amlsim_fan_in": build([SourcePlan(fan_in, (AMLSIM["fan_in"],))], FEATURE_NAMES),
        "amlsim_cycle": build([SourcePlan(cycle, (AMLSIM["cycle"],))], FEATURE_NAMES),
    }
    rows = []
    for scenario_id, other, kind in (("amlsim_fan_in", cycle, "cycle"), ("amlsim_cycle", fan_in, "fan-in")):
        for how, base in (("built with both", knowledge), ("built alone", separate[scenario_id])):
            hit, risky, false, normal = called(alone(base, scenario_id), other, scenario_id)
            rows.append(
                (
                    f"{scenario_id} ({how}) on the {kind} sample",
                    f"{hit}/{risky} {kind} transfers ({hit / risky:.1%}) and {false}/{normal} normal ones called "
                    f"{scenario_id}",
                )
            )
    for name, sample in (("fan-in", fan_in), ("cycle", cycle)):
        predicted = knowledge.predict(sample.features)
        pairs: dict[tuple[str, str], int] = {}
        for truth, guess in zip(sample.labels, predicted, strict=True):
            pairs[(truth or "normal", guess or "-")] = pairs.get((truth or "normal", guess or "-"), 0) + 1
        rows.append(
            (
                f"whole knowledge base on the {name} sample",
                ", ".join(f"{t}->{g} {n}" for (t, g), n in sorted(pairs.items())),
            )
        )
    report("cross-sample (every row of the other sample, training rows included)", rows)


def evaluate_archive(knowledge: KnowledgeBase, path: Path) -> None:
    """An unseen archive: per kind, precision and recall of the AMLSim scenarios, by transfer and pattern."""
    raw = load_archive(path)
    started = time.perf_counter()
    sample = amlsim_sample(raw)
    patterns = find_patterns(raw)
    aml = KnowledgeBase(
        FEATURE_NAMES, tuple(s for s in knowledge.scenarios if s.source.startswith("amlsim:"))
    )
    predicted = aml.predict(sample.features)
    truth = [AMLSIM[label].scenario_id if label in AMLSIM else label for label in sample.labels]
    elapsed = time.perf_counter() - started
    rows = [
        (
            f"{path.name}",
            f"kinds declared {raw.declared_kinds}, {len(patterns.kinds)} patterns, matched in {elapsed:.1f} s",
        )
    ]
    for scenario_id, score in scores(predicted, truth, [s.scenario_id for s in aml.scenarios]).items():
        rows.append(
            (
                scenario_id,
                f"precision {figure(score.precision)}  recall {figure(score.recall)}  ({score.positives} transfers)",
            )
        )
    at_risk = np.array(predicted) != ""
    risky = np.array(sample.labels) != ""
    pattern_found = {int(p) for p in patterns.pattern[at_risk & risky]}
    rows.append(
        (
            "at risk, any scenario",
            f"precision {figure(float(risky[at_risk].mean()) if at_risk.any() else float('nan'))}  recall {risky[at_risk].sum() / max(risky.sum(), 1):.3f}",
        )
    )
    rows.append(("patterns with a transfer at risk", f"{len(pattern_found)}/{len(patterns.kinds)}"))
    report(f"unseen archive {path.name}", rows)


def timings(
    knowledge: KnowledgeBase, fan_in_raw_path: str, records: list[ingest_pb2.TransactionRecord]
) -> None:
    rows = []
    for name, transfers, scale in (
        ("AMLSim fan-in graph (118k transfers)", load_sample(fan_in_raw_path).transfers, AMLSIM_SCALE),
        (
            f"payrisk graph ({len(records) // 1000}k transactions)",
            to_transfers([r.transaction for r in records]),
            PAYRISK_SCALE,
        ),
    ):
        started = time.perf_counter()
        graph = RelationGraph(transfers, scale)
        feature_matrix(graph, np.array([0]))
        built = time.perf_counter() - started
        rng = np.random.default_rng(0)
        chosen = rng.choice(len(transfers), 300, replace=False)
        single = []
        for i in chosen.tolist():
            started = time.perf_counter()
            row = feature_matrix(graph, np.array([i]))[0]
            knowledge.match(row)
            relation_groups(graph, i, row)
            single.append(time.perf_counter() - started)
        started = time.perf_counter()
        batch = feature_matrix(graph, np.arange(len(transfers)))
        knowledge.predict(batch)
        whole = time.perf_counter() - started
        ms = np.array(single) * 1000
        rows.append((f"{name}: graph and indexes", f"{built:.2f} s"))
        rows.append(
            (
                f"{name}: one transaction (features, match, groups)",
                f"p50 {np.median(ms):.1f} ms  p99 {np.percentile(ms, 99):.1f} ms",
            )
        )
        rows.append(
            (
                f"{name}: every transaction at once",
                f"{whole:.1f} s ({len(transfers) / whole:,.0f} per second)",
            )
        )
    report("matching time", rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transactions", type=int, default=100_000, help="generated payrisk transactions")
    parser.add_argument("--dataset-dir", type=Path, default=default_dataset_dir())
    parser.add_argument(
        "--evaluate", type=Path, nargs="*", default=[], help="further AMLSim archives to match"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    fan_in = amlsim_sample(load_sample("fan_in", args.dataset_dir))
    cycle = amlsim_sample(load_sample("cycle", args.dataset_dir))
    amlsim_seconds = time.perf_counter() - started
    started = time.perf_counter()
    records = generated_records(args.transactions)
    generated_seconds = time.perf_counter() - started
    started = time.perf_counter()
    generated = records_sample(records)
    records_seconds = time.perf_counter() - started
    plans = [
        SourcePlan(fan_in, (AMLSIM["fan_in"],)),
        SourcePlan(cycle, (AMLSIM["cycle"],)),
        SourcePlan(generated, tuple(ScenarioSpec(k, k, k) for k in generated.kinds())),
    ]
    started = time.perf_counter()
    build(plans, FEATURE_NAMES)
    build_seconds = time.perf_counter() - started
    report(
        "building the knowledge base",
        [
            ("AMLSim samples: read, patterns, graph, features (2 x 118k)", f"{amlsim_seconds:.1f} s"),
            (
                f"payrisk data: graph and features ({len(records):,} transactions)",
                f"{records_seconds:.1f} s  (generating it: {generated_seconds:.1f} s)",
            ),
            ("clustering, calibration, held-out evaluation (8 scenarios)", f"{build_seconds:.1f} s"),
        ],
    )
    knowledge = held_out(plans)
    cross_sample(knowledge, fan_in, cycle)
    for path in args.evaluate:
        evaluate_archive(knowledge, path)
    timings(knowledge, "fan_in", records)


if __name__ == "__main__":
    main()
