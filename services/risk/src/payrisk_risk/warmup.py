"""At start, the recent past is replayed from ingest into the feature state, so that the first decisions after
a restart see the same histories as the ones before it. Transactions scored meanwhile are counted once:
the state remembers which ids it has counted."""

from __future__ import annotations

import asyncio
import logging
import time

from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk_runtime import Unavailable

from .features import FeatureState
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
