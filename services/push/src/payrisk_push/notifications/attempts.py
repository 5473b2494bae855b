"""Delivery attempts, counted in memory and written in batches.

Fan-out to a thousand streams would otherwise be a thousand small transactions per notice. The count is what
the next reconnect reports as `delivery_attempt`; acknowledgements, which decide what is owed, are written at
once. A crash loses at most the last batch of counts, never a notice. Counts not yet written are added to what
the store says, so a terminal that reconnects at once still sees the right number.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from .store import NotificationStore

logger = logging.getLogger("payrisk.push.notifications")


class AttemptLog:
    def __init__(self, store: NotificationStore, flush_seconds: float = 0.05) -> None:
        self._store = store
        self._flush_seconds = flush_seconds
        self._counts: Counter[tuple[str, str]] = Counter()
        self._writing: Counter[tuple[str, str]] = Counter()
        self._pending = asyncio.Event()

    def record(self, notification_id: str, terminal_id: str) -> None:
        self._counts[(notification_id, terminal_id)] += 1
        self._pending.set()

    def unwritten(self, notification_id: str, terminal_id: str) -> int:
        key = (notification_id, terminal_id)
        return self._counts.get(key, 0) + self._writing.get(key, 0)

    async def run(self) -> None:
        """Writes the counts every `flush_seconds` while there are any, for as long as the service runs."""
        while True:
            await self._pending.wait()
            await asyncio.sleep(self._flush_seconds)
            try:
                await self.flush()
            except Exception:
                logger.exception("recording delivery attempts failed; will retry")

    async def flush(self) -> None:
        counts, self._counts = self._counts, Counter()
        self._pending.clear()
        self._writing.update(counts)
        try:
            await asyncio.to_thread(self._store.add_attempts, counts)
        except BaseException:
            self._counts.update(counts)  # written next time
            self._pending.set()
            raise
        finally:
            self._writing.subtract(counts)
            self._writing = +self._writing
