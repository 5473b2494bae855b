"""What every benchmark shares: a service run as its own process, and printing results."""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import numpy as np
from payrisk_runtime.local import LocalService, LocalStack, ServiceSpec

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def service(name: str, module: str, env: dict[str, str] | None = None) -> Iterator[LocalService]:
    """Run a payrisk service as a separate process on a free port with a fresh data directory."""
    with tempfile.TemporaryDirectory(prefix=f"payrisk-bench-{name}-") as tmp:
        stack = LocalStack(Path(tmp), {f"PAYRISK_{name.upper()}_LOG_LEVEL": "WARNING"})
        started = stack.start(ServiceSpec(name, module, 0), env)
        try:
            stack.wait_serving(started)
            yield started
        finally:
            stack.stop_all()


def report(title: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n{title}")
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


async def paced(
    call: Callable[[int], Awaitable[object]], rate: int, seconds: float
) -> tuple[list[float], int]:
    """(latencies of the calls that succeeded, how many failed), calling `call(i)` at a steady `rate`.

    Open loop: calls leave on schedule whether or not earlier ones have returned. This process's garbage
    collector is kept out of the way while it measures: a collection of what it holds (prepared requests, a
    mined model, the calls in flight) pauses its event loop for tens of milliseconds, time that would be
    counted as the server's.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        return await _paced(call, rate, seconds)
    finally:
        gc.enable()
        gc.unfreeze()


async def _paced(
    call: Callable[[int], Awaitable[object]], rate: int, seconds: float
) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0

    async def one(i: int) -> None:
        nonlocal failures
        started = time.perf_counter()
        try:
            await call(i)
        except grpc.aio.AioRpcError:
            failures += 1
            return
        latencies.append(time.perf_counter() - started)

    tasks, start = [], time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return latencies, failures


def percentiles(values: list[float]) -> str:
    p50, p99 = np.percentile(values, [50, 99]) * 1000
    return f"p50 {p50:.2f} ms   p99 {p99:.2f} ms"
