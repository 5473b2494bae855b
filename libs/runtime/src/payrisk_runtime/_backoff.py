"""Waiting between retries: exponential, capped, with full jitter, so that many clients retrying after the
same outage do not all come back at the same instant."""

from __future__ import annotations

import asyncio
import random


class Backoff:
    def __init__(self, base_seconds: float = 0.2, max_seconds: float = 30.0) -> None:
        self._base = base_seconds
        self._max = max_seconds
        self.failures = 0

    def next_delay(self) -> float:
        """The wait after one more failure: uniform in [0, min(max, base * 2^failures)]."""
        ceiling = min(self._max, self._base * 2 ** min(self.failures, 32))
        self.failures += 1
        return random.uniform(0, ceiling)

    async def wait(self) -> None:
        await asyncio.sleep(self.next_delay())

    def reset(self) -> None:
        self.failures = 0
