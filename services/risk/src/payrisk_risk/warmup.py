"""At start, the compiled kernels of the scoring path are made ready, and the recent past is replayed from
ingest into the feature state, so that the first decisions after a restart see the same histories as the
ones before it. Transactions scored meanwhile are counted once: the state remembers which ids it has
counted."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk_runtime import Unavailable

from .features import FeatureState, StateLimits
from .model.sources import ingest_batches

logger = logging.getLogger("payrisk.risk.warmup")
DAY_US = 86_400_000_000


async def warm_up(
    ingest: ingest_pb2_grpc.IngestServiceStub, state: FeatureState, days: int, retry_seconds: float = 5.0
) -> int:
    """Replays the last `days` days; waits for ingest while it is unavailable. Returns the rows replayed."""
    while True:
        start_us = time.time_ns() // 1000 - days * DAY_US
        replayed = 0
        try:
            async for cols, _ in ingest_batches(ingest, start_us, None):
                await asyncio.to_thread(state.observe, cols)
                replayed += len(cols)
        except Unavailable:
            logger.warning("ingest is unavailable; the feature state warms up when it is back")
            await asyncio.sleep(retry_seconds)
            continue
        logger.info("feature state warmed up with %d transactions of the last %d days", replayed, days)
        return replayed


_kernels_ready = threading.Lock()
_kernels_warm = False


def warm_kernels() -> None:
    """Every compiled kernel of the scoring path, compiled (or loaded from numba's cache on disk) and run
    once on a tiny batch, so that the first request does not pay for it. Once per process; the model's own
    (explanations) are warmed when it is loaded, by its verification."""
    global _kernels_warm
    with _kernels_ready:
        if _kernels_warm:
            return
        started = time.perf_counter()
        _run_tiny_batches()
        _kernels_warm = True
        logger.info("scoring kernels ready in %.1f s", time.perf_counter() - started)


def _run_tiny_batches() -> None:
    # Imported here: these modules import the scorer, which warms up through this function.
    import numpy as np
    from payrisk.common.v1 import common_pb2
    from payrisk.risk.v1 import risk_pb2

    from . import convert, validation
    from .features import columns_from_transactions, observe, wire
    from .features.ids import Ids
    from .model.explain import top_reasons
    from .scoring import Scored

    def tx(n: int) -> common_pb2.Transaction:
        t = common_pb2.Transaction(
            transaction_id=f"warm-{n}", merchant_id=f"m-{n}", payer_id=f"p-{n}", payee_id=f"q-{n}",
            device_id=f"d-{n}", card_id=f"c-{n}", ip_address="10.0.0.1", merchant_category_code="5812",
            amount=common_pb2.Money(currency_code="CNY", minor_units=100 + n),
            fee=common_pb2.Money(currency_code="CNY", minor_units=1),
            type=common_pb2.TRANSACTION_TYPE_PURCHASE, channel=common_pb2.CHANNEL_ONLINE,
        )  # fmt: skip
        t.occurred_at.FromSeconds(int(time.time()) - 60 + n)
        t.location.point.latitude, t.location.point.longitude = 31.2, 121.5
        return t

    # A state so small that the second batch evicts what the first one brought.
    state = FeatureState(StateLimits(entities=6, relations=6, seen=64), 8.0)
    for batch in ([tx(0)], [tx(1), tx(1)]):
        cols, _ = validation.screen(risk_pb2.StreamScoresRequest(transactions=batch), len(batch))
        features, _ = observe(state, cols)
        contributions = np.zeros((len(cols), features.shape[1] + 1))
        top = top_reasons(contributions[:, :-1], 3)
        scored = Scored(cols.transaction_id, np.zeros(len(cols)), np.ones(len(cols), dtype=np.int64), "warm")
        scored.explained = np.arange(len(cols))
        scored.reason_features = top
        scored.reason_contributions = np.zeros(top.shape)
        scored.reason_values = np.zeros(top.shape)
        convert.decisions(scored.rows(0, len(cols)), time.time_ns(), risk_pb2.StreamScoresResponse())
    big = Ids(np.zeros(100_000, dtype=np.uint8), np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.int64))
    Ids.concat([big, big])
    columns_from_transactions([tx(2)])
    wire.last_field(b"", 1)
