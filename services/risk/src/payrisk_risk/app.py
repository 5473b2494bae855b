"""Assembles the risk service from its settings: feature state, models, clients, reviewer, servicer, server."""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from pathlib import Path

import grpc
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.ledger.v1 import ledger_pb2_grpc
from payrisk.push.v1 import push_pb2_grpc
from payrisk.risk.v1 import risk_pb2, risk_pb2_grpc
from payrisk_runtime import (
    GrpcServer,
    Registration,
    ServiceApp,
    create_db_engine,
    migrate,
    open_channel,
    record_endpoint,
)
from sqlalchemy import Engine

from .access import RULES
from .bootstrap import bootstrap
from .clients import Downstream
from .coalescing import Coalescer
from .features import FeatureState, StateLimits
from .graph_api import GraphApi
from .merchants.assessment import MerchantRiskConfig
from .merchants.assessor import MerchantAssessor
from .model.lifecycle import ModelLifecycle, TrainingDefaults, TrainingPlan
from .model.registry import ModelRegistry, Thresholds
from .model.training import Params
from .scoring import Scorer
from .servicer import SCORING_REQUESTS, RiskServicer
from .settings import RiskSettings
from .settlement.reviewer import SettlementReviewer
from .settlement.store import ReviewStore
from .warmup import warm_up
from .wire_requests import WireRequests

SERVICE_NAME = risk_pb2.DESCRIPTOR.services_by_name["RiskService"].full_name
MIGRATIONS = Path(__file__).parent / "migrations"
logger = logging.getLogger("payrisk.risk")


class RiskApp(ServiceApp):
    def __init__(
        self, server: GrpcServer, engine: Engine, grace: float, lifecycle: ModelLifecycle, scorer: Scorer
    ) -> None:
        super().__init__(server, engine, grace)
        self.lifecycle = lifecycle
        self.scorer = scorer
        # Set once the feature state has replayed ingest's recent transactions (at once when there is none).
        self.warmed_up = asyncio.Event()

    async def warm_up(self, ingest: ingest_pb2_grpc.IngestServiceStub, days: int) -> None:
        try:
            await warm_up(ingest, self.scorer.state, days)
        finally:
            self.warmed_up.set()


def merchant_config(s: RiskSettings) -> MerchantRiskConfig:
    return MerchantRiskConfig(
        radius_meters=s.registration_radius_meters,
        isolated_below=s.isolated_below,
        crowded_above=s.crowded_above,
        capital_threshold_minor=s.capital_threshold_minor,
        accepted_registration_types=frozenset(t.strip().lower() for t in s.accepted_registration_types),
        weight_address=s.weight_address,
        weight_capital=s.weight_capital,
        weight_registration_type=s.weight_registration_type,
        weight_risky_type=s.weight_risky_type,
        weight_amount_range=s.weight_amount_range,
        weight_fee_rate=s.weight_fee_rate,
        weight_model=s.weight_model,
        risky_type_ratio_low=s.risky_type_ratio_low,
        risky_type_ratio_high=s.risky_type_ratio_high,
        amount_range_minor=s.amount_range_minor,
        large_amount_minor=s.large_amount_minor,
        fee_rate_min=s.fee_rate_min,
        fee_rate_max=s.fee_rate_max,
        fee_min_amount_minor=s.fee_min_amount_minor,
        abnormal_fee_share_full=s.abnormal_fee_share_full,
        model_flagged_share_full=s.model_flagged_share_full,
        level_cuts=(s.level_cuts[0], s.level_cuts[1], s.level_cuts[2]),
        weight_registration_level=s.weight_registration_level,
        weight_indicator_level=s.weight_indicator_level,
        suspect_score=s.suspect_score,
    )


def state_limits(s: RiskSettings) -> StateLimits:
    return StateLimits(entities=s.entity_capacity, relations=s.relation_capacity, seen=s.seen_capacity)


def build_lifecycle(s: RiskSettings) -> tuple[ModelLifecycle, Scorer]:
    """The scorer (with an empty feature state) and the lifecycle of its models."""
    scorer = Scorer(FeatureState(state_limits(s), s.local_utc_offset_hours), s.reasons, s.explain_approved)
    registry = ModelRegistry(
        s.data_dir / "models", {"local_utc_offset_hours": s.local_utc_offset_hours}, s.compiled_inference
    )
    defaults = TrainingDefaults(
        params=Params(trees=s.trees, leaves=s.leaves, learning_rate=s.learning_rate, threads=s.train_threads),
        thresholds=Thresholds(s.review_threshold, s.decline_threshold),
        limits=state_limits(s),
        unlabeled_as_legitimate=s.unlabeled_as_legitimate,
    )
    return ModelLifecycle(registry, scorer, defaults), scorer


def _graph(downstream: Downstream, data_dir: Path) -> GraphApi | None:
    """Scenario matching and device security need ingest's data and the ledger for verdicts."""
    if downstream.ingest is None or downstream.ledger is None:
        logger.warning(
            "scenario matching and device assessment need PAYRISK_RISK_INGEST_ADDRESS and _LEDGER_ADDRESS"
        )
        return None
    return GraphApi(downstream.ingest, downstream.ledger, data_dir)


def _channels(s: RiskSettings) -> tuple[Downstream, list[grpc.aio.Channel]]:
    channels: dict[str, grpc.aio.Channel] = {}
    for name, address in (
        ("ingest", s.ingest_address),
        ("ledger", s.ledger_address),
        ("push", s.push_address),
    ):
        if address:
            channels[name] = open_channel(address, s.tls(), max_message_bytes=s.max_message_bytes)
    downstream = Downstream(
        ingest=ingest_pb2_grpc.IngestServiceStub(channels["ingest"]) if "ingest" in channels else None,
        ledger=ledger_pb2_grpc.LedgerServiceStub(channels["ledger"]) if "ledger" in channels else None,
        push=push_pb2_grpc.PushServiceStub(channels["push"]) if "push" in channels else None,
        deadline_seconds=s.call_deadline_seconds,
    )
    return downstream, list(channels.values())


async def start(settings: RiskSettings) -> RiskApp:
    engine = create_db_engine(settings.resolved_database_url("risk"))
    migrate(engine, MIGRATIONS)
    downstream, channels = _channels(settings)
    lifecycle, scorer = build_lifecycle(settings)
    restored = await lifecycle.restore()
    assessor = MerchantAssessor(
        downstream,
        scorer,
        merchant_config(settings),
        settings.review_threshold,
        settings.max_assessed_transactions,
    )
    reviewer = SettlementReviewer(ReviewStore(engine), assessor, downstream)
    graph = _graph(downstream, settings.data_dir)
    coalescer = Coalescer(scorer, settings.max_batch_size)
    servicer = RiskServicer(
        scorer,
        coalescer,
        lifecycle,
        assessor,
        reviewer,
        graph,
        max_batch_size=settings.max_batch_size,
        merchant_window_days=settings.merchant_window_days,
        training_defaults=(settings.delay_days, settings.test_days),
        downstream=downstream,
    )
    server = GrpcServer(
        [Registration(SERVICE_NAME, lambda s: risk_pb2_grpc.add_RiskServiceServicer_to_server(servicer, s))],
        host=settings.host,
        port=settings.port,
        max_message_bytes=settings.max_message_bytes,
        tls=settings.tls(),
        access=RULES,
        extra_interceptors=[WireRequests(SCORING_REQUESTS)],
    )
    app = RiskApp(server, engine, settings.shutdown_grace_seconds, lifecycle, scorer)
    app.on_stop(coalescer.close)
    if graph is not None:
        app.on_stop(graph.close)
    for channel in channels:
        app.on_stop(partial(channel.close, None))
    await app.start()
    if not restored and settings.bootstrap_model:
        plan = TrainingPlan(settings.delay_days, settings.test_days, activate=True)
        app.spawn(_quietly(bootstrap(lifecycle, settings.bootstrap_transactions, plan), "bootstrap model"))
    if downstream.ingest is not None and settings.warm_up_days:
        app.spawn(_quietly(app.warm_up(downstream.ingest, settings.warm_up_days), "warm-up"))
    else:
        app.warmed_up.set()
    app.spawn(reviewer.run(settings.retry_interval_seconds))
    if settings.endpoints_file:
        record_endpoint(settings.endpoints_file, "risk", app.address)
    logger.info("risk listening on %s (model %s)", app.address, lifecycle.active_version or "not yet trained")
    return app


async def _quietly(work: object, what: str) -> None:
    """Background work whose failure is logged, not raised into the void."""
    try:
        await work  # type: ignore[misc]
    except Exception:
        logger.exception("%s failed", what)
