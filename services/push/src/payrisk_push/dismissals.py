"""Objects a terminal or user dismissed: never recommended to them again."""

from __future__ import annotations

import time

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from .models import DISMISSALS

# Read on every push request: cached, refreshed after a while in case another replica recorded one.
CACHE_SECONDS = 30.0


class Dismissals:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    def add(self, subscriber_id: str, object_id: str) -> None:
        insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        with self._engine.begin() as conn:
            conn.execute(
                insert(DISMISSALS)
                .values(subscriber_id=subscriber_id, object_id=object_id)
                .on_conflict_do_nothing()
            )
        self._cache.pop(subscriber_id, None)

    def cached(self, *subscriber_ids: str) -> set[str] | None:
        """The dismissed objects if all are known recently, without touching the database (None: ask `of`)."""
        now = time.monotonic()
        entries = [self._cache.get(s) for s in subscriber_ids if s]
        if any(e is None or now - e[0] >= CACHE_SECONDS for e in entries):
            return None
        return set().union(*(e[1] for e in entries if e is not None))

    def of(self, *subscriber_ids: str) -> set[str]:
        return set().union(*(self._of(s) for s in subscriber_ids if s))

    def _of(self, subscriber_id: str) -> frozenset[str]:
        cached = self._cache.get(subscriber_id)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(DISMISSALS.c.object_id).where(DISMISSALS.c.subscriber_id == subscriber_id)
            )
            dismissed = frozenset(r.object_id for r in rows)
        self._cache[subscriber_id] = (time.monotonic(), dismissed)
        return dismissed
