"""Subscription tags of terminals and users: add, remove or replace, checked against the tag vocabulary."""

from __future__ import annotations

import threading

from payrisk.push.v1 import push_pb2
from payrisk_runtime.validation import Violations, check_id
from sqlalchemy import Engine, select

from .cache import FreshCache, KnownIds
from .models import SUBSCRIPTIONS
from .upsert import insert_for
from .vocabulary import TAGS

CACHE_SECONDS = 30.0
MAX_TAGS = 50


def check_tags(violations: Violations, field: str, tags: list[str]) -> None:
    for i, tag in enumerate(tags):
        if tag not in TAGS:
            violations.add(
                f"{field}[{i}]", f"unknown tag {tag[:64]!r}; known tags: {', '.join(sorted(TAGS))}"
            )


class Subscriptions:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # One writer at a time: an update reads, changes and writes the whole set.
        self._lock = threading.Lock()
        self._cache: FreshCache[frozenset[str]] = FreshCache(CACHE_SECONDS)
        self._known = KnownIds()

    def cached(self, subscriber_id: str) -> frozenset[str] | None:
        """The tags if known without touching the database (None: ask `tags`)."""
        if not self._known.may_have(subscriber_id):
            return frozenset()
        return self._cache.get(subscriber_id)

    def load_known(self) -> None:
        """Reads which subscribers have a subscription at all (most users and terminals have none)."""

        def read() -> list[str]:
            with self._engine.connect() as conn:
                return list(conn.execute(select(SUBSCRIPTIONS.c.subscriber_id)).scalars())

        self._known.load(read)

    def tags(self, subscriber_id: str) -> frozenset[str]:
        known = self._cache.get(subscriber_id)
        if known is not None:
            return known
        with self._engine.connect() as conn:
            row = conn.execute(
                select(SUBSCRIPTIONS.c.tags).where(SUBSCRIPTIONS.c.subscriber_id == subscriber_id)
            ).first()
        tags = frozenset(row.tags.split(",")) - {""} if row else frozenset()
        self._cache.put(subscriber_id, tags)
        return tags

    def update(self, subscriber_id: str, mode: int, tags: list[str]) -> list[str]:
        v = Violations()
        check_id(v, "subscriber_id", subscriber_id)
        if mode == push_pb2.SUBSCRIPTION_MODE_UNSPECIFIED or mode not in push_pb2.SubscriptionMode.values():
            v.add("mode", "must be ADD, REMOVE or REPLACE")
        if len(tags) > MAX_TAGS:
            v.add("tags", f"at most {MAX_TAGS} tags")
        else:
            check_tags(v, "tags", tags)
        v.raise_if_any()
        with self._lock, self._engine.begin() as conn:
            # Locked (on PostgreSQL) so that replicas updating the same subscriber do not lose changes.
            row = conn.execute(
                select(SUBSCRIPTIONS.c.tags)
                .where(SUBSCRIPTIONS.c.subscriber_id == subscriber_id)
                .with_for_update()
            ).first()
            current = set(row.tags.split(",")) - {""} if row else set()
            if mode == push_pb2.SUBSCRIPTION_MODE_ADD:
                current |= set(tags)
            elif mode == push_pb2.SUBSCRIPTION_MODE_REMOVE:
                current -= set(tags)
            else:
                current = set(tags)
            value = ",".join(sorted(current))
            statement = insert_for(self._engine)(SUBSCRIPTIONS).values(
                subscriber_id=subscriber_id, tags=value
            )
            conn.execute(
                statement.on_conflict_do_update(index_elements=["subscriber_id"], set_={"tags": value})
            )
        self._known.add(subscriber_id)
        self._cache.put(subscriber_id, frozenset(current))
        return sorted(current)
