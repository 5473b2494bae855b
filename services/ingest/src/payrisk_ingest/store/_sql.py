"""Small helpers for the hand-written bulk SQL on the hot paths (portable across SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from sqlalchemy import Engine

T = TypeVar("T")

# Well under SQLite's and PostgreSQL's limits on bound parameters per statement.
IN_CHUNK = 900


def placeholder(engine: Engine) -> str:
    return "?" if engine.dialect.paramstyle == "qmark" else "%s"


def values_clause(engine: Engine, columns: int) -> str:
    mark = placeholder(engine)
    return "(" + ", ".join([mark] * columns) + ")"


def in_clause(engine: Engine, count: int) -> str:
    mark = placeholder(engine)
    return "(" + ", ".join([mark] * count) + ")"


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
