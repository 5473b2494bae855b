"""The relation-graph side of the risk service: scenario matching, the scenario knowledge base, and device
security. The servicer delegates MatchScenarios, BuildScenarioKnowledgeBase and AssessDevice here; this
module checks requests, fetches what it needs from ingest, runs the domain code and anchors device verdicts
on the ledger.
"""

from __future__ import annotations

import asyncio
import logging
import pathlib
from collections.abc import Sequence

import numpy as np
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk.risk.v1 import risk_pb2
from payrisk_runtime import FailedPrecondition, NotFound
from payrisk_runtime.validation import Violations, check_id

from .devices import Registration, assess, verdict
from .devices.ingest_data import device_data
from .devices.messages import assessment_message
from .scenarios import store
from .scenarios.amlsim import DatasetMissing, default_dataset_dir
from .scenarios.builder import NoSamples, SourcePlan, build
from .scenarios.features import FEATURE_NAMES, feature_matrix
from .scenarios.groups import relation_groups
from .scenarios.ingest_data import TransactionGraph, export_records
from .scenarios.knowledge import KnowledgeBase
from .scenarios.learning import LearningSettings
from .scenarios.messages import group_message, match_message, summary_message
from .scenarios.records import UNNAMED, scenario_labels
from .scenarios.remote import remote_errors
from .scenarios.sources import SourceRequest, amlsim_plans, default_requests, label_plan, parse_dataset

logger = logging.getLogger("payrisk.risk.graph")
MAX_SOURCES = 50
KNOWLEDGE_DIR = "scenarios"


def _source_requests(request: risk_pb2.BuildScenarioKnowledgeBaseRequest) -> list[SourceRequest]:
    v = Violations()
    if len(request.sources) > MAX_SOURCES:
        v.add("sources", f"at most {MAX_SOURCES} sources per build")
    seen: dict[str, int] = {}
    parsed = []
    for i, source in enumerate(request.sources[:MAX_SOURCES]):
        prefix = f"sources[{i}]"
        check_id(v, f"{prefix}.scenario_id", source.scenario_id)
        if source.scenario_id in seen:
            v.add(f"{prefix}.scenario_id", f"repeats sources[{seen[source.scenario_id]}].scenario_id")
        seen.setdefault(source.scenario_id, i)
        if len(source.name) > 200:
            v.add(f"{prefix}.name", "must be at most 200 characters")
        which = source.WhichOneof("source")
        if which is None:
            v.add(f"{prefix}.source", "a dataset or a label_scenario is required")
        elif which == "dataset":
            try:
                parse_dataset(source.dataset)
            except ValueError as error:
                v.add(f"{prefix}.dataset", str(error))
        else:
            check_id(v, f"{prefix}.label_scenario", source.label_scenario)
        parsed.append(SourceRequest(source.scenario_id, source.name, source.dataset, source.label_scenario))
    v.raise_if_any()
    return parsed


class GraphApi:
    def __init__(
        self,
        ingest: ingest_pb2_grpc.IngestServiceStub,
        ledger: ledger_pb2_grpc.LedgerServiceStub,
        data_dir: pathlib.Path,
        *,
        dataset_dir: pathlib.Path | None = None,
        learning: LearningSettings | None = None,
        max_location_km: float = 1.0,
    ) -> None:
        self._ingest = ingest
        self._ledger = ledger
        self._knowledge_dir = data_dir / KNOWLEDGE_DIR
        self._dataset_dir = dataset_dir if dataset_dir is not None else default_dataset_dir()
        self._learning = learning or LearningSettings()
        self._max_location_km = max_location_km
        self._graph = TransactionGraph(ingest)
        self._knowledge: KnowledgeBase | None = None
        self._build_lock = asyncio.Lock()

    def _stored_knowledge(self) -> KnowledgeBase | None:
        if self._knowledge is None:
            try:
                self._knowledge = store.load(self._knowledge_dir, FEATURE_NAMES)
            except store.KnowledgeBaseUnusable as error:
                raise FailedPrecondition(str(error)) from error
        return self._knowledge

    async def match_scenarios(
        self, request: risk_pb2.MatchScenariosRequest
    ) -> risk_pb2.MatchScenariosResponse:
        v = Violations()
        check_id(v, "transaction_id", request.transaction_id)
        if request.top_k < 0:
            v.add("top_k", "must not be negative")
        v.raise_if_any()
        knowledge = await asyncio.to_thread(self._stored_knowledge)
        if knowledge is None or not knowledge.scenarios:
            raise FailedPrecondition(
                "the scenario knowledge base is empty; build it with BuildScenarioKnowledgeBase"
            )
        with remote_errors("ingest"):
            await self._ingest.GetTransaction(
                ingest_pb2.GetTransactionRequest(transaction_id=request.transaction_id)
            )
        graph = await self._graph.graph_with(request.transaction_id)
        index = graph.index_of.get(request.transaction_id)
        if index is None:
            raise NotFound(f"transaction {request.transaction_id} is not in the exported transactions yet")
        row = await asyncio.to_thread(feature_matrix, graph, np.array([index], dtype=np.int64))
        groups = await asyncio.to_thread(relation_groups, graph, index, row[0])
        matches = knowledge.match(row[0])
        shown = matches[: request.top_k] if request.top_k else matches
        return risk_pb2.MatchScenariosResponse(
            transaction_id=request.transaction_id,
            matches=[match_message(m) for m in shown],
            at_risk=bool(matches) and matches[0].within_threshold,
            groups=[group_message(g) for g in groups],
        )

    async def build_knowledge_base(
        self, request: risk_pb2.BuildScenarioKnowledgeBaseRequest
    ) -> risk_pb2.BuildScenarioKnowledgeBaseResponse:
        requests = _source_requests(request)
        # One build at a time, and no queue: a build takes seconds to minutes and the caller may be gone.
        if self._build_lock.locked():
            raise FailedPrecondition("the knowledge base is being built; try again when that build is done")
        async with self._build_lock:
            records = None
            if not requests or any(r.label_scenario for r in requests):
                records, cursor = await export_records(self._ingest)
                await self._graph.absorb(records, cursor)
            if not requests:
                labelled = sorted({s for s in scenario_labels(records or []) if s and s != UNNAMED})
                requests = default_requests(self._dataset_dir, labelled)
                if not requests:
                    raise FailedPrecondition(
                        f"nothing to learn from: no AMLSim samples in {self._dataset_dir} and no transaction "
                        "in ingest labelled fraud with a scenario"
                    )
            base = self._stored_knowledge() if request.sources else None
            try:
                plans = await asyncio.to_thread(self._plans, requests, records or [])
                knowledge = await asyncio.to_thread(build, plans, FEATURE_NAMES, self._learning, base)
            except (DatasetMissing, NoSamples) as error:
                raise FailedPrecondition(str(error)) from error
            await asyncio.to_thread(store.save, knowledge, self._knowledge_dir)
            self._knowledge = knowledge
        by_id = {s.scenario_id: s for s in knowledge.scenarios}
        return risk_pb2.BuildScenarioKnowledgeBaseResponse(
            scenarios=[summary_message(by_id[r.scenario_id]) for r in requests]
        )

    def _plans(
        self, requests: list[SourceRequest], records: Sequence[ingest_pb2.TransactionRecord]
    ) -> list[SourcePlan]:
        plans = amlsim_plans([r for r in requests if r.dataset], self._dataset_dir)
        labelled = [r for r in requests if r.label_scenario]
        if labelled:
            plans.append(label_plan(labelled, records))
        return plans

    async def assess_device(self, request: risk_pb2.AssessDeviceRequest) -> risk_pb2.AssessDeviceResponse:
        v = Violations()
        check_id(v, "device_id", request.device_id)
        v.raise_if_any()
        data = await device_data(self._ingest, request.device_id)
        registration = Registration(data.device, data.merchant, max_distance_km=self._max_location_km)
        assessment = await asyncio.to_thread(
            assess, registration, data.bills, data.events, data.last_sequence
        )
        content = verdict.content(assessment)
        with remote_errors("ledger"):
            anchored = await self._ledger.AnchorRecords(
                ledger_pb2.AnchorRecordsRequest(
                    batch_id=verdict.batch_id(request.device_id, content),
                    kind=ledger_pb2.RECORD_KIND_DEVICE_VERDICT,
                    records=[ledger_pb2.Record(record_id=verdict.RECORD_ID, content=content)],
                )
            )
        logger.info("device %s assessed %s", request.device_id, risk_pb2.SecurityLevel.Name(assessment.level))  # type: ignore[arg-type]
        return risk_pb2.AssessDeviceResponse(assessment=assessment_message(assessment, content, anchored))

    async def close(self) -> None:
        self._graph.clear()
        self._knowledge = None
