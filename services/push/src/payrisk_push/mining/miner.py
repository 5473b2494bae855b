"""Mining runs: pull the bills synced since the last run, learn from them, save, and publish a new view.

The model and its cursor are saved together every `save_every` bills and at the end of a run, so a restart
carries on from the last save and never learns a bill twice. Pages are fetched ahead while the previous one is
learnt, so ingest and push work at the same time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from . import persist
from .bills import export_page
from .model import PushModel
from .source import BillSource, Page
from .state import MiningState
from .view import View

logger = logging.getLogger("payrisk.push.mining")
PREFETCH_PAGES = 2


@dataclass(frozen=True)
class MiningRun:
    bills: int
    seconds: float


class Miner:
    def __init__(
        self, state: MiningState, source: BillSource | None, topics: int, save_every: int = 200_000
    ) -> None:
        self._state = state
        self._source = source
        self._save_every = save_every
        self._lock = asyncio.Lock()
        saved = state.load()
        self.cursor = saved[0] if saved else 0
        self._model = persist.load(saved[1]) if saved else PushModel(topics)
        # What requests read; replaced whole, never changed in place.
        self.view: View = self._model.snapshot()

    @property
    def model(self) -> PushModel:
        return self._model

    async def mine(self) -> MiningRun:
        """Learns every bill synced since the last run."""
        if self._source is None:
            return MiningRun(0, 0.0)
        async with self._lock:
            started = time.perf_counter()
            mined = unsaved = 0
            async for page in _ahead(self._source.pages(self.cursor), PREFETCH_PAGES):
                records = await asyncio.to_thread(self._learn, page)
                mined += records
                unsaved += records
                if unsaved >= self._save_every:
                    await self._publish()
                    unsaved = 0
            if unsaved:
                await self._publish()
            return MiningRun(mined, time.perf_counter() - started)

    def _learn(self, page: Page) -> int:
        """Learns a page's bills; how many records it had."""
        read = export_page(page.data)
        self._model.learn(read.bills)
        self.cursor = read.cursor
        return read.records

    async def _publish(self) -> None:
        cursor, data = await asyncio.to_thread(lambda: (self.cursor, persist.dump(self._model)))
        await asyncio.to_thread(self._state.save, cursor, data)
        self.view = await asyncio.to_thread(self._model.snapshot)

    async def run(self, interval_seconds: float) -> None:
        """Mines on a schedule for as long as the service runs."""
        while True:
            try:
                run = await self.mine()
                if run.bills:
                    logger.info(
                        "mined %d offline bills in %.1f s (%d in all)",
                        run.bills,
                        run.seconds,
                        self._model.bills,
                    )
            except Exception:
                logger.exception("mining failed; will retry")
            await asyncio.sleep(interval_seconds)


async def _ahead(pages: AsyncIterator[Page], depth: int) -> AsyncIterator[Page]:
    """The same pages, read up to `depth` ahead by a background task."""
    queue: asyncio.Queue[Page | BaseException | None] = asyncio.Queue(depth)

    async def fill() -> None:
        try:
            async for page in pages:
                await queue.put(page)
            await queue.put(None)
        except Exception as error:
            await queue.put(error)

    task = asyncio.create_task(fill())
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
