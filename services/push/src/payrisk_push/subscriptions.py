"""Subscription tags of terminals and users."""

from __future__ import annotations

import threading
import time

from payrisk.push.v1 import push_pb2
from payrisk_runtime import InvalidArgument
from payrisk_runtime.validation import Violations, check_id
from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from .models import SUBSCRIPTIONS
from .vocabulary import TAGS

CACHE_SECONDS = 30.0


def check_tags(violations: Violations, field: str, tags: list[str]) -> None:
    for i, tag in enumerate(tags):
        if tag not in TAGS:
            violations.add(f"{field}[{i}]", f"unknown tag {tag!r}; known tags: {', '.join(sorted(TAGS))}")


class Subscriptions:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        # Read on every push request, written rarely: cached, refreshed after a while in case another replica
        # changed it.
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    def cached(self, subscriber_id: str) -> frozenset[str] | None:
        """The tags if known recently, without touching the database (None: ask `tags`)."""
        entry = self._cache.get(subscriber_id)
        return entry[1] if entry is not None and time.monotonic() - entry[0] < CACHE_SECONDS else None

    def tags(self, subscriber_id: str) -> frozenset[str]:
        known = self.cached(subscriber_id)
        if known is not None:
            return known
        with self._engine.connect() as conn:
            row = conn.execute(
                select(SUBSCRIPTIONS.c.tags).where(SUBSCRIPTIONS.c.subscriber_id == subscriber_id)
            ).first()
        tags = frozenset(row.tags.split(",")) - {""} if row else frozenset()
        self._cache[subscriber_id] = (time.monotonic(), tags)
        return tags

    def update(self, subscriber_id: str, mode: int, tags: list[str]) -> list[str]:
        v = Violations()
        check_id(v, "subscriber_id", subscriber_id)
        if mode == push_pb2.SUBSCRIPTION_MODE_UNSPECIFIED or mode not in push_pb2.SubscriptionMode.values():
            v.add("mode", "must be ADD, REMOVE or REPLACE")
        check_tags(v, "tags", tags)
        if v:
            raise InvalidArgument(v.items)
        insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        with self._lock, self._engine.begin() as conn:
            row = conn.execute(
                select(SUBSCRIPTIONS.c.tags).where(SUBSCRIPTIONS.c.subscriber_id == subscriber_id)
            ).first()
            current = set(row.tags.split(",")) - {""} if row else set()
            if mode == push_pb2.SUBSCRIPTION_MODE_ADD:
                current |= set(tags)
            elif mode == push_pb2.SUBSCRIPTION_MODE_REMOVE:
                current -= set(tags)
            else:
                current = set(tags)
            value = ",".join(sorted(current))
            statement = insert(SUBSCRIPTIONS).values(subscriber_id=subscriber_id, tags=value)
            conn.execute(
                statement.on_conflict_do_update(index_elements=["subscriber_id"], set_={"tags": value})
            )
        self._cache[subscriber_id] = (time.monotonic(), frozenset(current))
        return sorted(current)
