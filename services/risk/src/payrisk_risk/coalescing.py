"""Concurrent ScoreTransactions calls decided together: one feature pass and one prediction per group.

A batch costs little more than a single transaction (much of the work is a fixed cost per call), so the
callers that arrive while a group is being decided are gathered into the next one. Nobody waits for a
timer: a group is whatever is waiting when the previous one is done.

Groups are decided on the event loop itself. Handing them to worker threads was measured to halve the
throughput: the feature code and the protobuf conversions hold the GIL, and the threads spent their time
taking it from one another.
"""

from __future__ import annotations

import asyncio
import contextlib

from .features import Columns
from .scoring import Scored, Scorer

Waiting = tuple[Columns, asyncio.Future[Scored]]


class Coalescer:
    def __init__(self, scorer: Scorer, max_rows: int) -> None:
        self._scorer = scorer
        self._max_rows = max_rows
        self._waiting: list[Waiting] = []
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None

    async def score(self, cols: Columns) -> Scored:
        future: asyncio.Future[Scored] = asyncio.get_running_loop().create_future()
        self._waiting.append((cols, future))
        self._wake.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run())
        return await future

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    def _take(self) -> list[Waiting]:
        group: list[Waiting] = []
        rows = 0
        while self._waiting and (not group or rows + len(self._waiting[0][0]) <= self._max_rows):
            cols, future = self._waiting.pop(0)
            if not future.done():  # a caller that gave up (deadline, cancellation) is skipped
                group.append((cols, future))
                rows += len(cols)
        return group

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting:
                group = self._take()
                if group:
                    self._decide(group)
                # Let the callers that arrived meanwhile join the next group.
                await asyncio.sleep(0)

    def _decide(self, group: list[Waiting]) -> None:
        try:
            scored = self._scorer.score(Columns.concat([cols for cols, _ in group]))
        except Exception as error:
            for _, future in group:
                if not future.done():
                    future.set_exception(error)
            return
        start = 0
        for cols, future in group:
            if not future.done():
                future.set_result(scored.rows(start, start + len(cols)))
            start += len(cols)
