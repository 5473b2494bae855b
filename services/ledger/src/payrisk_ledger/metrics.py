"""How long the ledger takes to commit, by operation: what a decision waits for when it waits for the chain."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Histogram

COMMIT_SECONDS = Histogram(
    "payrisk_ledger_commit_seconds",
    "Time from a write's request to its commit on the ledger",
    ["backend", "operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5, 10),
)


@contextmanager
def timed_commit(backend: str, operation: str) -> Iterator[None]:
    """Observes successful commits only: a refused write says nothing about the chain's latency."""
    started = time.perf_counter()
    yield
    COMMIT_SECONDS.labels(backend, operation).observe(time.perf_counter() - started)
