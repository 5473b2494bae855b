"""INSERT ... ON CONFLICT for whichever database the service runs on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(engine: Engine) -> Callable[[Table], Any]:
    """`insert(table)` with `on_conflict_do_nothing` / `on_conflict_do_update` for the engine's dialect."""
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
