"""Objects a terminal or user dismissed: never recommended to them again."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from .models import DISMISSALS


class Dismissals:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, subscriber_id: str, object_id: str) -> None:
        insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        with self._engine.begin() as conn:
            conn.execute(
                insert(DISMISSALS)
                .values(subscriber_id=subscriber_id, object_id=object_id)
                .on_conflict_do_nothing()
            )

    def of(self, *subscriber_ids: str) -> set[str]:
        ids = [s for s in subscriber_ids if s]
        with self._engine.connect() as conn:
            rows = conn.execute(select(DISMISSALS.c.object_id).where(DISMISSALS.c.subscriber_id.in_(ids)))
            return {r.object_id for r in rows}
