"""The mining model and the export cursor it has reached, saved together so they never disagree."""

from __future__ import annotations

from sqlalchemy import Engine, select

from ..models import MODEL_STATE
from ..upsert import insert_for


class MiningState:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def load(self) -> tuple[int, bytes] | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(MODEL_STATE.c.cursor, MODEL_STATE.c.model).where(MODEL_STATE.c.id == 1)
            ).first()
        return (int(row.cursor), bytes(row.model)) if row else None

    def save(self, cursor: int, model: bytes) -> None:
        values = {"id": 1, "cursor": cursor, "model": model}
        with self._engine.begin() as conn:
            statement = insert_for(self._engine)(MODEL_STATE).values(**values)
            conn.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))
