"""GraphApi's scenario RPCs against a real ingest and ledger on loopback ports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2_grpc
from payrisk.risk.v1 import risk_pb2
from payrisk_ingest.app import start as start_ingest
from payrisk_ingest.settings import IngestSettings
from payrisk_ingest.synthetic import GeneratorConfig, Loader, build_world, iter_batches
from payrisk_risk.graph_api import GraphApi
from payrisk_risk.scenarios import store
from payrisk_runtime import FailedPrecondition, InvalidArgument, NotFound

Source = risk_pb2.ScenarioSource
# Small, with fraud enough for a few episodes of every scenario.
CONFIG = GeneratorConfig(transactions=5_000, seed=5, fraud_share=0.1)


@pytest.fixture(scope="module")
async def loaded_ingest(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[ingest_pb2_grpc.IngestServiceStub]:
    """One ingest with generated data for the whole module (the tests only read from it)."""
    directory = tmp_path_factory.mktemp("ingest")
    app = await start_ingest(
        IngestSettings(database_url=f"sqlite:///{directory / 'ingest.db'}", port=0, data_dir=directory)
    )
    async with grpc.aio.insecure_channel(app.address) as channel:
        stub = ingest_pb2_grpc.IngestServiceStub(channel)
        await load_generated(stub, CONFIG)
        yield stub
    await app.stop()


@pytest.fixture(scope="module")
async def loaded(loaded_ingest: ingest_pb2_grpc.IngestServiceStub) -> dict[str, list[str]]:
    """The labelled transaction ids by scenario ("" for legitimate)."""
    found: dict[str, list[str]] = {}
    request = ingest_pb2.ExportTransactionsRequest(labeled_only=True)
    async for batch in loaded_ingest.ExportTransactions(request):
        for record in batch.records:
            found.setdefault(record.label_scenario, []).append(record.transaction.transaction_id)
    return found


@pytest.fixture
async def api(
    loaded_ingest: ingest_pb2_grpc.IngestServiceStub,
    graph_ledger: ledger_pb2_grpc.LedgerServiceStub,
    tmp_path: Path,
    dataset_dir: Path,
) -> AsyncIterator[GraphApi]:
    graph = GraphApi(loaded_ingest, graph_ledger, tmp_path / "risk", dataset_dir=dataset_dir)
    yield graph
    await graph.close()


async def load_generated(ingest: ingest_pb2_grpc.IngestServiceStub, config: GeneratorConfig) -> None:
    """A generated data set into ingest through its public API."""
    world = build_world(config)
    loader = Loader(ingest, 2_000)
    await loader.register(world)
    for batch in iter_batches(config, world):
        await loader.send(batch)


def label_sources(*names: str) -> risk_pb2.BuildScenarioKnowledgeBaseRequest:
    return risk_pb2.BuildScenarioKnowledgeBaseRequest(
        sources=[Source(scenario_id=n, name=n.replace("_", " "), label_scenario=n) for n in names]
    )


def fields(error: InvalidArgument) -> set[str]:
    return {v.field for v in error.violations}


async def test_matching_a_ring_transfer(api: GraphApi, loaded: dict[str, list[str]], tmp_path: Path) -> None:
    built = await api.build_knowledge_base(label_sources("cycle", "fan_in", "cash_out"))
    assert [s.scenario_id for s in built.scenarios] == ["cycle", "fan_in", "cash_out"]
    assert all(s.source == "ingest" and s.samples > 0 and s.threshold > 0 for s in built.scenarios)
    assert (tmp_path / "risk" / "scenarios" / store.FILE_NAME).is_file()

    hits = 0
    for transaction_id in loaded["cycle"][:5]:
        response = await api.match_scenarios(risk_pb2.MatchScenariosRequest(transaction_id=transaction_id))
        assert response.transaction_id == transaction_id
        assert len(response.matches) == 3
        hits += response.matches[0].scenario_id == "cycle" and response.at_risk
        dimensions = {g.dimension for g in response.groups}
        assert {
            risk_pb2.DIMENSION_TRANSACTION,
            risk_pb2.DIMENSION_SOCIAL,
            risk_pb2.DIMENSION_BEHAVIOUR,
        } <= dimensions
        assert any(g.edge_attributes.get("cycle") == 1.0 for g in response.groups) or not response.at_risk
    assert hits >= 3


async def test_top_k_and_a_legitimate_payment(api: GraphApi, loaded: dict[str, list[str]]) -> None:
    await api.build_knowledge_base(label_sources("cycle", "fan_in", "cash_out"))
    calm = 0
    for transaction_id in loaded[""][:10]:
        response = await api.match_scenarios(
            risk_pb2.MatchScenariosRequest(transaction_id=transaction_id, top_k=1)
        )
        assert len(response.matches) == 1
        calm += not response.at_risk
    assert calm >= 9


async def test_a_second_build_keeps_the_other_scenarios(api: GraphApi, loaded: dict[str, list[str]]) -> None:
    await api.build_knowledge_base(label_sources("cycle"))
    rebuilt = await api.build_knowledge_base(label_sources("fan_in"))
    assert [s.scenario_id for s in rebuilt.scenarios] == ["fan_in"]
    response = await api.match_scenarios(risk_pb2.MatchScenariosRequest(transaction_id=loaded["fan_in"][0]))
    assert {m.scenario_id for m in response.matches} == {"cycle", "fan_in"}


async def test_bad_requests_name_their_fields(api: GraphApi) -> None:
    with pytest.raises(InvalidArgument) as error:
        await api.match_scenarios(risk_pb2.MatchScenariosRequest(transaction_id="no spaces", top_k=-1))
    assert fields(error.value) == {"transaction_id", "top_k"}
    request = risk_pb2.BuildScenarioKnowledgeBaseRequest(
        sources=[
            Source(scenario_id="a", dataset="kaggle:fraud"),
            Source(scenario_id="a", label_scenario="fan_in"),
            Source(scenario_id="b"),
            Source(scenario_id="", dataset="amlsim:../../etc"),
        ]
    )
    with pytest.raises(InvalidArgument) as error:
        await api.build_knowledge_base(request)
    assert fields(error.value) == {
        "sources[0].dataset",
        "sources[1].scenario_id",
        "sources[2].source",
        "sources[3].scenario_id",
        "sources[3].dataset",
    }


async def test_matching_needs_a_knowledge_base(api: GraphApi, loaded: dict[str, list[str]]) -> None:
    with pytest.raises(FailedPrecondition, match="BuildScenarioKnowledgeBase"):
        await api.match_scenarios(risk_pb2.MatchScenariosRequest(transaction_id=loaded["cycle"][0]))


async def test_an_unknown_transaction_is_not_found(api: GraphApi, loaded: dict[str, list[str]]) -> None:
    await api.build_knowledge_base(label_sources("cycle"))
    with pytest.raises(NotFound):
        await api.match_scenarios(risk_pb2.MatchScenariosRequest(transaction_id="tx-that-never-was"))


async def test_a_scenario_nobody_labelled_cannot_be_learned(
    api: GraphApi, loaded: dict[str, list[str]]
) -> None:
    with pytest.raises(FailedPrecondition, match="money_mule"):
        await api.build_knowledge_base(label_sources("money_mule"))


async def test_a_missing_sample_is_a_failed_precondition(
    graph_ingest: ingest_pb2_grpc.IngestServiceStub,
    graph_ledger: ledger_pb2_grpc.LedgerServiceStub,
    tmp_path: Path,
) -> None:
    api = GraphApi(graph_ingest, graph_ledger, tmp_path / "risk", dataset_dir=tmp_path / "nowhere")
    request = risk_pb2.BuildScenarioKnowledgeBaseRequest(
        sources=[Source(scenario_id="f", dataset="amlsim:fan_in")]
    )
    with pytest.raises(FailedPrecondition, match="nowhere"):
        await api.build_knowledge_base(request)
    with pytest.raises(FailedPrecondition, match="nothing to learn from"):
        await api.build_knowledge_base(risk_pb2.BuildScenarioKnowledgeBaseRequest())


@pytest.mark.slow
async def test_everything_known_is_learned(api: GraphApi, loaded: dict[str, list[str]]) -> None:
    built = await api.build_knowledge_base(risk_pb2.BuildScenarioKnowledgeBaseRequest())
    by_id = {s.scenario_id: s for s in built.scenarios}
    assert {"amlsim_fan_in", "amlsim_cycle", "fan_in", "cycle", "shell_merchant", "cash_out"} <= set(by_id)
    for scenario_id in ("amlsim_fan_in", "amlsim_cycle"):
        assert by_id[scenario_id].source.startswith("amlsim:")
        assert by_id[scenario_id].precision > 0.6
        assert by_id[scenario_id].recall > 0.6
    response = await api.match_scenarios(
        risk_pb2.MatchScenariosRequest(transaction_id=loaded["fan_in"][0], top_k=2)
    )
    assert response.matches[0].scenario_id == "fan_in"
