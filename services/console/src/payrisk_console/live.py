"""The live view: decisions per second by outcome, and how long the ledger takes to commit.

Decisions are counted by following ingest's export stream from a cursor: every transaction ingest stores
after the cursor, counted by outcome in the second risk decided it. (A transaction kept unscored and scored
later in the background is exported before it has a decision, so it is not counted.) Commit latency is the
mean time the ledger took to commit its writes in each interval, from its Prometheus metrics
(`payrisk_ledger_commit_seconds`; from a ledger without it, the duration of its committing calls). Sampling runs only while someone has the live view open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import urllib.request
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

import grpc
from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from prometheus_client.parser import text_string_to_metric_families

from .display import outcome
from .errors import ServiceError
from .services import Services, call

logger = logging.getLogger("payrisk.console.live")

LEDGER_SERVICE = "payrisk.ledger.v1.LedgerService"
COMMIT_HISTOGRAM = "payrisk_ledger_commit_seconds"
RPC_HISTOGRAM = "payrisk_rpc_duration_seconds"
COMMITTING = frozenset({"AnchorRecords", "FreezeFunds", "ReleaseFunds"})
# Stop sampling this long after the last look at the live view.
IDLE_AFTER_SECONDS = 60.0
# Most records read from ingest per sample, so a bulk load cannot keep the console busy; the rest next time.
MAX_RECORDS_PER_SAMPLE = 20_000


class DecisionRate:
    """Decisions per whole second by outcome, over a sliding window."""

    def __init__(self, window_seconds: int) -> None:
        self.window = window_seconds
        self._seconds: dict[int, Counter[str]] = {}

    def add(self, decided_at: float, outcome_name: str, now: float) -> None:
        second = int(decided_at)
        if second <= now - self.window:
            return
        self._seconds.setdefault(second, Counter())[outcome_name] += 1

    def prune(self, now: float) -> None:
        for second in [s for s in self._seconds if s <= now - self.window]:
            del self._seconds[second]

    def series(self, now: float, outcomes: Iterable[str]) -> dict[str, list[int]]:
        """Per-second counts for each outcome, oldest first, ending with the last complete second."""
        last = int(now) - 1
        seconds = range(last - self.window + 1, last + 1)
        return {o: [self._seconds.get(s, Counter())[o] for s in seconds] for o in outcomes}

    def recent_rate(self, now: float, outcome_name: str, seconds: int = 10) -> float:
        last = int(now) - 1
        return (
            sum(self._seconds.get(s, Counter())[outcome_name] for s in range(last - seconds + 1, last + 1))
            / seconds
        )


@dataclass
class LatencyTracker:
    """Mean commit latency per interval, from the cumulative sum and count of a Prometheus histogram."""

    window: int
    _last: tuple[float, float] | None = None
    samples: deque[tuple[float, float | None]] = field(default_factory=deque)

    @staticmethod
    def totals(metrics_text: str) -> tuple[float, float]:
        """Summed duration and count of the ledger's commits: its own commit histogram, or (from a ledger
        without one) the durations of its committing calls."""
        commits, calls = [0.0, 0.0], [0.0, 0.0]
        for family in text_string_to_metric_families(metrics_text):
            for sample in family.samples:
                if family.name == COMMIT_HISTOGRAM:
                    target = commits
                elif (
                    family.name == RPC_HISTOGRAM
                    and sample.labels.get("service") == LEDGER_SERVICE
                    and sample.labels.get("method") in COMMITTING
                ):
                    target = calls
                else:
                    continue
                if sample.name.endswith("_sum"):
                    target[0] += sample.value
                elif sample.name.endswith("_count"):
                    target[1] += sample.value
        chosen = commits if commits[1] else calls
        return chosen[0], chosen[1]

    def observe(self, at: float, totals: tuple[float, float]) -> float | None:
        """The mean latency (seconds) of the commits since the previous observation; None when there were none."""
        mean = None
        if self._last is not None:
            d_sum, d_count = totals[0] - self._last[0], totals[1] - self._last[1]
            # A restarted ledger starts its counters again: then this interval says nothing.
            if d_count > 0 and d_sum >= 0:
                mean = d_sum / d_count
        self._last = totals
        self.samples.append((at, mean))
        while self.samples and self.samples[0][0] <= at - self.window:
            self.samples.popleft()
        return mean


@dataclass
class LiveSnapshot:
    window: int
    decisions: dict[str, list[int]]
    rates: dict[str, float]
    latency_ms: list[float]
    last_latency_ms: float | None
    ledger_height: int
    ledger_backend: str
    problems: list[str]
    latency_configured: bool

    def to_json(self) -> dict[str, object]:
        return {
            "window_seconds": self.window,
            "decisions_per_second": self.rates,
            "decisions": self.decisions,
            "ledger": {
                "backend": self.ledger_backend,
                "height": self.ledger_height,
                "commit_latency_ms": self.last_latency_ms,
                "commit_latency_series_ms": self.latency_ms,
            },
            "problems": self.problems,
        }


OUTCOMES = ("approve", "review", "decline")


class LiveMonitor:
    def __init__(self, services: Services, metrics_url: str, interval: float, window: int) -> None:
        self._services = services
        self._metrics_url = metrics_url
        self._interval = interval
        self.window = window
        self.rate = DecisionRate(window)
        self.latency = LatencyTracker(window)
        self._cursor: int | None = None
        self._last_look = 0.0
        self._wake = asyncio.Event()
        self.height = 0
        self.backend = ""
        self.problems: dict[str, str] = {}

    def looked_at(self) -> None:
        self._last_look = time.monotonic()
        self._wake.set()

    async def run(self) -> None:
        while True:
            if time.monotonic() - self._last_look > IDLE_AFTER_SECONDS:
                self._wake.clear()
                await self._wake.wait()
            started = time.monotonic()
            await self.sample()
            await asyncio.sleep(max(0.0, self._interval - (time.monotonic() - started)))

    async def sample(self) -> None:
        now = time.time()
        await asyncio.gather(self._count_decisions(now), self._ledger_latency(now), self._ledger_info())
        self.rate.prune(now)

    def _problem(self, source: str, error: Exception | None) -> None:
        if error is None:
            self.problems.pop(source, None)
        else:
            self.problems[source] = str(error)

    async def _start_cursor(self) -> int:
        """Start at the newest transaction, not the beginning: history is not live."""
        newest = await call(
            "ingest",
            self._services.reader.ingest.ListTransactions(
                ingest_pb2.ListTransactionsRequest(newest_first=True, page_size=1),
                timeout=self._services.deadline,
            ),
        )
        return max((r.sequence for r in newest.records), default=0)

    async def _count_decisions(self, now: float) -> None:
        try:
            if self._cursor is None:
                self._cursor = await self._start_cursor()
            read = 0
            stream = self._services.reader.ingest.ExportTransactions(
                ingest_pb2.ExportTransactionsRequest(after_sequence=self._cursor, batch_size=1000),
                timeout=self._services.deadline,
            )
            try:
                async for batch in stream:
                    for record in batch.records:
                        if record.HasField("decision"):
                            decided = record.decision.decided_at
                            self.rate.add(
                                decided.seconds + decided.nanos / 1e9, outcome(record.decision.outcome), now
                            )
                    self._cursor = batch.cursor
                    read += len(batch.records)
                    if read >= MAX_RECORDS_PER_SAMPLE:
                        break
            finally:
                stream.cancel()
            self._problem("ingest", None)
        except ServiceError as error:
            self._problem("ingest", error)
        except grpc.aio.AioRpcError as error:  # the export stream failed midway: try again next sample
            self._problem("ingest", ServiceError("ingest", error.code(), error.details() or ""))

    async def _ledger_latency(self, now: float) -> None:
        if not self._metrics_url:
            return
        try:
            text = await asyncio.to_thread(_fetch, self._metrics_url, self._services.deadline)
        except OSError as error:
            self._problem("ledger metrics", OSError(f"{self._metrics_url} did not answer: {error}"))
            return
        self._problem("ledger metrics", None)
        self.latency.observe(now, LatencyTracker.totals(text))

    async def _ledger_info(self) -> None:
        try:
            info = await call(
                "ledger",
                self._services.reader.ledger.GetLedgerInfo(
                    ledger_pb2.GetLedgerInfoRequest(), timeout=self._services.deadline
                ),
            )
        except ServiceError as error:
            self._problem("ledger", error)
            return
        self._problem("ledger", None)
        self.height, self.backend = int(info.height), str(info.backend)

    def snapshot(self) -> LiveSnapshot:
        now = time.time()
        latencies = [m * 1000 for _, m in self.latency.samples if m is not None]
        last = next((m * 1000 for _, m in reversed(self.latency.samples) if m is not None), None)
        return LiveSnapshot(
            window=self.window,
            decisions=self.rate.series(now, OUTCOMES),
            rates={o: self.rate.recent_rate(now, o) for o in OUTCOMES},
            latency_ms=latencies,
            last_latency_ms=last,
            ledger_height=self.height,
            ledger_backend=self.backend,
            problems=[f"{source}: {message}" for source, message in sorted(self.problems.items())],
            latency_configured=bool(self._metrics_url),
        )


def _fetch(url: str, timeout: float) -> str:
    # The URL is the operator's own setting (the ledger's metrics endpoint), never anything a user sends.
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
        return str(response.read().decode())


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
