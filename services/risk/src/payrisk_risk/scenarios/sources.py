"""Where scenarios are learned from: an AMLSim archive ("amlsim:fan_in", "amlsim:<archive>[:<kind>]") or
ingest's transactions labelled with a scenario."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from payrisk.ingest.v1 import ingest_pb2

from .amlsim import KNOWN_ARCHIVES, archive_path, load_archive
from .builder import NoSamples, ScenarioSpec, SourcePlan
from .samples import amlsim_sample, records_sample

AMLSIM_PREFIX = "amlsim:"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass(frozen=True)
class SourceRequest:
    scenario_id: str
    name: str
    dataset: str = ""
    label_scenario: str = ""


@dataclass(frozen=True)
class DatasetRef:
    archive: str
    # None: the one kind the archive declares.
    kind: str | None


def parse_dataset(dataset: str) -> DatasetRef:
    """Raises ValueError saying what is wrong."""
    if not dataset.startswith(AMLSIM_PREFIX):
        raise ValueError(
            f"must start with {AMLSIM_PREFIX!r}, e.g. 'amlsim:fan_in' or 'amlsim:<archive>:<kind>'"
        )
    archive, _, kind = dataset.removeprefix(AMLSIM_PREFIX).partition(":")
    if archive in KNOWN_ARCHIVES and not kind:
        return DatasetRef(KNOWN_ARCHIVES[archive], archive)
    if not _NAME.match(archive) or (kind and not _NAME.match(kind)):
        raise ValueError("names an archive (and kind) with letters, digits, '.', '_' and '-' only")
    return DatasetRef(archive, kind or None)


def default_requests(dataset_dir: Path, ingest_scenarios: Sequence[str]) -> list[SourceRequest]:
    """The AMLSim samples that are present, and every scenario ingest has labelled fraud with."""
    requests = [
        SourceRequest(f"amlsim_{kind}", f"{kind} (AMLSim)", dataset=f"{AMLSIM_PREFIX}{kind}")
        for kind, archive in KNOWN_ARCHIVES.items()
        if (dataset_dir / f"{archive}.tgz").is_file()
    ]
    return requests + [SourceRequest(s, s, label_scenario=s) for s in ingest_scenarios]


def amlsim_plans(requests: Sequence[SourceRequest], dataset_dir: Path) -> list[SourcePlan]:
    """One plan per archive, each archive read once. Raises DatasetMissing or NoSamples."""
    by_archive: dict[str, list[tuple[SourceRequest, DatasetRef]]] = defaultdict(list)
    for request in requests:
        ref = parse_dataset(request.dataset)
        by_archive[ref.archive].append((request, ref))
    plans = []
    for archive, wanted in by_archive.items():
        raw = load_archive(archive_path(dataset_dir, archive))
        sample = amlsim_sample(raw)
        specs = []
        for request, ref in wanted:
            kind = ref.kind
            if kind is None:
                if len(raw.declared_kinds) != 1:
                    raise NoSamples(
                        f"{archive} holds several kinds of pattern; name one: amlsim:{archive}:<kind>"
                    )
                kind = raw.declared_kinds[0]
            if kind not in sample.kinds():
                raise NoSamples(
                    f"{archive} has no {kind!r} patterns (it has {', '.join(sample.kinds()) or 'none'})"
                )
            specs.append(ScenarioSpec(request.scenario_id, request.name or request.scenario_id, kind))
        plans.append(SourcePlan(sample, tuple(specs)))
    return plans


def label_plan(
    requests: Sequence[SourceRequest], records: Sequence[ingest_pb2.TransactionRecord]
) -> SourcePlan:
    """One plan over ingest's transactions for every labelled scenario requested. Raises NoSamples."""
    sample = records_sample(records)
    present = set(sample.kinds())
    for request in requests:
        if request.label_scenario not in present:
            raise NoSamples(
                f"no transaction in ingest is labelled fraud with scenario {request.label_scenario!r}"
            )
    specs = tuple(ScenarioSpec(r.scenario_id, r.name or r.scenario_id, r.label_scenario) for r in requests)
    return SourcePlan(sample, specs)
