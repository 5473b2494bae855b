"""Clients that behave as payrisk's users should: resend what was not acknowledged, with backoff."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import grpc
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc

RETRIABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def backoff(attempt: int, base: float = 0.1, cap: float = 2.0) -> float:
    """Exponential backoff with full jitter."""
    return float(random.uniform(0, min(cap, base * 2**attempt)))


def stream_until_acknowledged(
    address: Callable[[], str],
    batches: list[ingest_pb2.IngestTransactionsRequest],
    on_response: Callable[[int], None] = lambda n: None,
    deadline_seconds: float = 120,
) -> dict[str, ingest_pb2.IngestTransactionsResponse]:
    """Streams the batches; after a failure, resends every batch not yet acknowledged on a new stream."""
    acknowledged: dict[str, ingest_pb2.IngestTransactionsResponse] = {}
    deadline = time.monotonic() + deadline_seconds
    attempt = 0
    while len(acknowledged) < len(batches):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(batches) - len(acknowledged)} batches never acknowledged")
        pending = [b for b in batches if b.batch_id not in acknowledged]
        try:
            with grpc.insecure_channel(address()) as channel:
                for response in ingest_pb2_grpc.IngestServiceStub(channel).IngestTransactions(
                    iter(pending), timeout=60
                ):
                    acknowledged[response.batch_id] = response
                    on_response(len(acknowledged))
            attempt = 0
        except grpc.RpcError as error:
            if error.code() not in RETRIABLE:  # type: ignore[attr-defined]
                raise
            time.sleep(backoff(attempt))
            attempt += 1
    return acknowledged
