"""Concurrent ScoreTransactions calls decided together: one feature pass and one prediction per group.

A batch costs little more than a single transaction (much of the work is a fixed cost per call), so the
callers that arrive while a group is being decided are gathered into the next one. Nobody waits for a
timer: a group is whatever is waiting when the previous one has been featurized.

A group's features are built on the event loop (in order: they update the state). A small group is decided
there and then; a big group's decisions are made in the scorer's thread while the next group's features are
built (Scorer.decide_then): both steps are compiled code that releases the GIL; at most one group is being
decided while the next is featurized.
"""

from __future__ import annotations

import asyncio
import contextlib

from .features import Columns
from .scoring import Featured, Scored, Scorer

Waiting = tuple[Columns, asyncio.Future[Scored]]


class Coalescer:
    def __init__(self, scorer: Scorer, max_rows: int) -> None:
        self._scorer = scorer
        self._max_rows = max_rows
        self._waiting: list[Waiting] = []
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._deciding: set[asyncio.Task[None]] = set()

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
        self._scorer.close()

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
                    self._start(group)
                while len(self._deciding) > 1:
                    await asyncio.wait(self._deciding, return_when=asyncio.FIRST_COMPLETED)
                # Let the callers that arrived meanwhile join the next group.
                await asyncio.sleep(0)

    def _start(self, group: list[Waiting]) -> None:
        """Features now; decisions next (see Scorer.decide_then)."""
        try:
            featured = self._scorer.featurize(Columns.concat([cols for cols, _ in group]))
        except Exception as error:
            _fail(group, error)
            return
        if self._scorer.decides_at_once(featured):
            # No task for it: scheduling one would cost as much as deciding a few rows.
            try:
                scored = self._scorer.decide(featured)
            except Exception as error:
                _fail(group, error)
                return
            _deliver(group, scored)
            return
        task = asyncio.create_task(self._finish(group, featured))
        self._deciding.add(task)
        task.add_done_callback(self._deciding.discard)

    async def _finish(self, group: list[Waiting], featured: Featured) -> None:
        try:
            scored = await self._scorer.decide_then(featured, lambda scored: scored)
        except Exception as error:
            _fail(group, error)
            return
        _deliver(group, scored)


def _deliver(group: list[Waiting], scored: Scored) -> None:
    if len(group) == 1:
        [(_, future)] = group
        if not future.done():
            future.set_result(scored)
        return
    start = 0
    for cols, future in group:
        if not future.done():
            future.set_result(scored.rows(start, start + len(cols)))
        start += len(cols)


def _fail(group: list[Waiting], error: Exception) -> None:
    for _, future in group:
        if not future.done():
            future.set_exception(error)
