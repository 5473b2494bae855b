"""RiskService over gRPC: translates between protobuf and the domain code, nothing more."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from functools import partial
from typing import Any, Protocol

from payrisk.risk.v1 import risk_pb2, risk_pb2_grpc
from payrisk_runtime import FailedPrecondition

from . import convert, validation
from .clients import Downstream
from .coalescing import Coalescer
from .merchants.assessor import MerchantAssessor
from .metrics import count_decisions
from .model.lifecycle import ModelLifecycle, TrainingPlan
from .model.sources import ingest_batches
from .scoring import Scored, Scorer
from .settlement.listing import list_reviews
from .settlement.reviewer import SettlementReviewer
from .wire_requests import WireRequest

Context = Any
# Batches a stream's reader may have featurized before their responses are sent.
STREAM_AHEAD = 2
_METHOD = "/payrisk.risk.v1.RiskService/"
SCORING_REQUESTS = {
    _METHOD + "ScoreTransactions": risk_pb2.ScoreTransactionsRequest,
    _METHOD + "StreamScores": risk_pb2.StreamScoresRequest,
}


class Graph(Protocol):
    """Scenario matching and device security (payrisk_risk.graph_api.GraphApi)."""

    async def match_scenarios(
        self, request: risk_pb2.MatchScenariosRequest
    ) -> risk_pb2.MatchScenariosResponse: ...

    async def build_knowledge_base(
        self, request: risk_pb2.BuildScenarioKnowledgeBaseRequest
    ) -> risk_pb2.BuildScenarioKnowledgeBaseResponse: ...

    async def assess_device(self, request: risk_pb2.AssessDeviceRequest) -> risk_pb2.AssessDeviceResponse: ...


class RiskServicer(risk_pb2_grpc.RiskServiceServicer):
    def __init__(
        self,
        scorer: Scorer,
        coalescer: Coalescer,
        lifecycle: ModelLifecycle,
        assessor: MerchantAssessor,
        reviewer: SettlementReviewer,
        graph: Graph | None,
        *,
        max_batch_size: int,
        merchant_window_days: int,
        training_defaults: tuple[int, int],
        downstream: Downstream,
    ) -> None:
        self._scorer = scorer
        self._coalescer = coalescer
        self._lifecycle = lifecycle
        self._assessor = assessor
        self._reviewer = reviewer
        self._graph = graph
        self._max_batch = max_batch_size
        self._window_days = merchant_window_days
        self._training_defaults = training_defaults
        self._downstream = downstream

    # --- scoring ---

    def _respond(self, scored: Scored, response: Any) -> Any:
        convert.decisions(scored, time.time_ns(), response)
        count_decisions(scored)
        return response

    # Both scoring methods take their requests unparsed (wire_requests.py, SCORING_REQUESTS).

    async def ScoreTransactions(
        self, request: WireRequest, context: Context
    ) -> risk_pb2.ScoreTransactionsResponse:
        cols, rejected = validation.screen(request, self._max_batch)
        scored = await self._coalescer.score(cols)
        return self._respond(scored, risk_pb2.ScoreTransactionsResponse(rejected=rejected))  # type: ignore[no-any-return]

    async def StreamScores(
        self, request_iterator: AsyncIterator[WireRequest], context: Context
    ) -> AsyncIterator[risk_pb2.StreamScoresResponse]:
        """Responses in request order. A reader builds each batch's features on the event loop, in order,
        and hands its decisions and response to the scorer's thread (scoring.py), at most STREAM_AHEAD
        batches ahead of the responses."""
        ahead: asyncio.Queue[asyncio.Future[Any] | Exception | None] = asyncio.Queue(STREAM_AHEAD)

        async def read() -> None:
            try:
                async for request in request_iterator:
                    cols, rejected = validation.screen(request, self._max_batch)
                    response = risk_pb2.StreamScoresResponse(
                        batch_id=request.text_field("batch_id"), rejected=rejected
                    )
                    featured = self._scorer.featurize(cols)
                    respond = partial(self._respond, response=response)
                    await ahead.put(asyncio.ensure_future(self._scorer.decide_then(featured, respond)))
            except Exception as error:  # raised in order, after the batches before it are answered
                await ahead.put(error)
                return
            await ahead.put(None)

        reader = asyncio.create_task(read())
        try:
            while (item := await ahead.get()) is not None:
                if isinstance(item, Exception):
                    raise item
                yield await item
        finally:
            reader.cancel()

    # --- merchants and settlement ---

    async def AssessMerchant(self, request: Any, context: Context) -> risk_pb2.AssessMerchantResponse:
        merchant_id, start_us, end_us = validation.merchant_window(
            request, self._window_days, time.time_ns() // 1000
        )
        result = await self._assessor.assess_window(merchant_id, start_us, end_us)
        return risk_pb2.AssessMerchantResponse(assessment=convert.assessment_to_proto(result))

    async def ReviewSettlement(self, request: Any, context: Context) -> risk_pb2.ReviewSettlementResponse:
        return await self._reviewer.review(validation.instruction(request))

    async def ListSettlementReviews(
        self, request: Any, context: Context
    ) -> risk_pb2.ListSettlementReviewsResponse:
        return await list_reviews(self._reviewer.store, request)

    # --- model lifecycle ---

    async def TrainModel(self, request: Any, context: Context) -> risk_pb2.TrainModelResponse:
        delay, test = self._training_defaults
        wanted = validation.training(request, delay, test)
        batches = ingest_batches(self._downstream.need_ingest(), wanted.start_us, wanted.end_us)
        meta = await self._lifecycle.train(
            batches, TrainingPlan(wanted.delay_days, wanted.test_days, wanted.activate)
        )
        active = self._lifecycle.active_version == meta.version
        return risk_pb2.TrainModelResponse(
            model=convert.model_info(meta, active, self._lifecycle.is_compiled(meta.version))
        )

    async def ListModels(self, request: Any, context: Context) -> risk_pb2.ListModelsResponse:
        active = self._lifecycle.active_version
        metas = await asyncio.to_thread(self._lifecycle.registry.versions)
        return risk_pb2.ListModelsResponse(
            models=[
                convert.model_info(m, m.version == active, self._lifecycle.is_compiled(m.version))
                for m in metas
            ]
        )

    async def ActivateModel(self, request: Any, context: Context) -> risk_pb2.ActivateModelResponse:
        model = await self._lifecycle.activate(validation.model_version(request.version))
        return risk_pb2.ActivateModelResponse(
            model=convert.model_info(model.meta, True, model.compiled is not None)
        )

    # --- relation graph and devices ---

    def _need_graph(self) -> Graph:
        if self._graph is None:
            raise FailedPrecondition(
                "scenario matching and device assessment need ingest and the ledger: set "
                "PAYRISK_RISK_INGEST_ADDRESS and PAYRISK_RISK_LEDGER_ADDRESS"
            )
        return self._graph

    async def MatchScenarios(self, request: Any, context: Context) -> risk_pb2.MatchScenariosResponse:
        return await self._need_graph().match_scenarios(request)

    async def BuildScenarioKnowledgeBase(
        self, request: Any, context: Context
    ) -> risk_pb2.BuildScenarioKnowledgeBaseResponse:
        return await self._need_graph().build_knowledge_base(request)

    async def AssessDevice(self, request: Any, context: Context) -> risk_pb2.AssessDeviceResponse:
        return await self._need_graph().assess_device(request)
