"""Objects a terminal or user dismissed: never recommended to them again."""

from __future__ import annotations

from sqlalchemy import Engine, select

from .cache import FreshCache, KnownIds
from .models import DISMISSALS
from .upsert import insert_for

CACHE_SECONDS = 30.0


class Dismissals:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cache: FreshCache[frozenset[str]] = FreshCache(CACHE_SECONDS)
        self._known = KnownIds()

    def load_known(self) -> None:
        """Reads which subscribers dismissed anything at all (most never do)."""

        def read() -> list[str]:
            with self._engine.connect() as conn:
                return list(conn.execute(select(DISMISSALS.c.subscriber_id).distinct()).scalars())

        self._known.load(read)

    def add(self, subscriber_id: str, object_id: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                insert_for(self._engine)(DISMISSALS)
                .values(subscriber_id=subscriber_id, object_id=object_id)
                .on_conflict_do_nothing()
            )
        self._known.add(subscriber_id)
        self._cache.drop(subscriber_id)

    def cached(self, *subscriber_ids: str) -> set[str] | None:
        """The dismissed objects if all are known recently, without touching the database (None: ask `of`)."""
        found: set[str] = set()
        for subscriber_id in filter(None, subscriber_ids):
            if not self._known.may_have(subscriber_id):
                continue
            dismissed = self._cache.get(subscriber_id)
            if dismissed is None:
                return None
            found |= dismissed
        return found

    def of(self, *subscriber_ids: str) -> set[str]:
        return set().union(*(self._of(s) for s in subscriber_ids if s))

    def _of(self, subscriber_id: str) -> frozenset[str]:
        cached = self._cache.get(subscriber_id)
        if cached is not None:
            return cached
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(DISMISSALS.c.object_id).where(DISMISSALS.c.subscriber_id == subscriber_id)
            )
            dismissed = frozenset(r.object_id for r in rows)
        self._cache.put(subscriber_id, dismissed)
        return dismissed
