"""Notifications: persisted when accepted, delivered at least once to every terminal they are for.

A notice goes to one terminal, or to every terminal of a merchant. A terminal owes nothing once it has
acknowledged a notice; until then the notice is sent again each time the terminal connects, so neither a
dropped stream nor a restart of push loses it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from payrisk.common.v1 import common_pb2
from payrisk.push.v1 import push_pb2
from payrisk_runtime import NotFound
from payrisk_runtime.validation import Violations, check_id
from sqlalchemy import Engine, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .models import DELIVERIES, NOTIFICATIONS

MAX_TEXT = 2000


@dataclass
class NotifyOutcome:
    accepted: list[push_pb2.Notification] = field(default_factory=list)
    duplicates: int = 0
    rejected: list[common_pb2.ItemError] = field(default_factory=list)


def _violations(n: push_pb2.Notification, prefix: str) -> Violations:
    v = Violations()
    check_id(v, f"{prefix}.notification_id", n.notification_id)
    if n.kind == push_pb2.NOTIFICATION_KIND_UNSPECIFIED or n.kind not in push_pb2.NotificationKind.values():
        v.add(f"{prefix}.kind", "is required")
    if bool(n.merchant_id) == bool(n.terminal_id):
        v.add(f"{prefix}.merchant_id", "exactly one of merchant_id and terminal_id is required")
    check_id(v, f"{prefix}.merchant_id", n.merchant_id, required=False)
    check_id(v, f"{prefix}.terminal_id", n.terminal_id, required=False)
    if not n.title or len(n.title) > MAX_TEXT or len(n.body) > MAX_TEXT:
        v.add(f"{prefix}.title", f"a title is required; title and body at most {MAX_TEXT} characters")
    return v


class NotificationStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()

    def _insert(self) -> object:
        return postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert

    def accept(self, notifications: Sequence[push_pb2.Notification], now_us: int) -> NotifyOutcome:
        outcome = NotifyOutcome()
        valid = []
        for index, n in enumerate(notifications):
            v = _violations(n, f"notifications[{index}]")
            if v:
                first = v.items[0]
                outcome.rejected.append(common_pb2.ItemError(index=index, id=n.notification_id, field=first.field,
                                                             description=first.description,
                                                             code=common_pb2.ITEM_ERROR_CODE_INVALID))  # fmt: skip
                continue
            stored = push_pb2.Notification()
            stored.CopyFrom(n)
            stored.delivery_attempt = 0
            if not stored.HasField("created_at"):
                stored.created_at.FromMicroseconds(now_us)
            valid.append((index, n, stored))
        with self._lock, self._engine.begin() as conn:
            ids = [n.notification_id for _, n, _ in valid]
            existing = dict(conn.execute(select(NOTIFICATIONS.c.notification_id, NOTIFICATIONS.c.payload)
                                         .where(NOTIFICATIONS.c.notification_id.in_(ids))).all())  # fmt: skip
            for index, n, stored in valid:
                previous = existing.get(n.notification_id)
                if previous is not None:
                    if _same(push_pb2.Notification.FromString(previous), stored):
                        outcome.duplicates += 1
                    else:
                        outcome.rejected.append(common_pb2.ItemError(
                            index=index, id=n.notification_id, field=f"notifications[{index}].notification_id",
                            description="already accepted with different content",
                            code=common_pb2.ITEM_ERROR_CODE_CONFLICT))  # fmt: skip
                    continue
                payload = stored.SerializeToString(deterministic=True)
                existing[n.notification_id] = payload
                conn.execute(NOTIFICATIONS.insert().values(
                    notification_id=n.notification_id, merchant_id=n.merchant_id, terminal_id=n.terminal_id,
                    payload=payload, created_at_us=stored.created_at.ToMicroseconds()))  # fmt: skip
                outcome.accepted.append(stored)
        outcome.rejected.sort(key=lambda e: e.index)
        return outcome

    def pending(self, terminal_id: str, merchant_id: str) -> list[push_pb2.Notification]:
        """Everything addressed to this terminal (or its merchant) that it has not acknowledged, oldest first."""
        acked = select(DELIVERIES.c.notification_id).where(
            and_(DELIVERIES.c.terminal_id == terminal_id, DELIVERIES.c.acked_at_us > 0)
        )
        addressed = NOTIFICATIONS.c.terminal_id == terminal_id
        if merchant_id:
            addressed = or_(addressed, NOTIFICATIONS.c.merchant_id == merchant_id)
        query = (
            select(NOTIFICATIONS.c.payload)
            .where(addressed, NOTIFICATIONS.c.notification_id.not_in(acked))
            .order_by(NOTIFICATIONS.c.created_at_us, NOTIFICATIONS.c.notification_id)
        )
        with self._engine.connect() as conn:
            return [push_pb2.Notification.FromString(r.payload) for r in conn.execute(query)]

    def record_attempt(self, notification_id: str, terminal_id: str) -> int:
        """Counts a delivery attempt; returns its number (1 for the first)."""
        insert = self._insert()
        with self._lock, self._engine.begin() as conn:
            statement = insert(DELIVERIES).values(  # type: ignore[operator]
                notification_id=notification_id, terminal_id=terminal_id, attempts=1, acked_at_us=0
            )
            conn.execute(statement.on_conflict_do_update(
                index_elements=["notification_id", "terminal_id"], set_={"attempts": DELIVERIES.c.attempts + 1}))  # fmt: skip
            row = conn.execute(select(DELIVERIES.c.attempts).where(
                and_(DELIVERIES.c.notification_id == notification_id, DELIVERIES.c.terminal_id == terminal_id))).one()  # fmt: skip
        return int(row.attempts)

    def ack(self, terminal_id: str, notification_id: str, now_us: int) -> None:
        with self._lock, self._engine.begin() as conn:
            known = conn.execute(select(NOTIFICATIONS.c.notification_id)
                                 .where(NOTIFICATIONS.c.notification_id == notification_id)).first()  # fmt: skip
            if known is None:
                raise NotFound(f"notification {notification_id} not found")
            done = conn.execute(update(DELIVERIES).where(
                and_(DELIVERIES.c.notification_id == notification_id, DELIVERIES.c.terminal_id == terminal_id)
            ).values(acked_at_us=now_us))  # fmt: skip
            if not done.rowcount:
                conn.execute(DELIVERIES.insert().values(notification_id=notification_id, terminal_id=terminal_id,
                                                        attempts=0, acked_at_us=now_us))  # fmt: skip


def _same(a: push_pb2.Notification, b: push_pb2.Notification) -> bool:
    a2, b2 = push_pb2.Notification(), push_pb2.Notification()
    a2.CopyFrom(a)
    b2.CopyFrom(b)
    for m in (a2, b2):
        m.ClearField("created_at")
        m.delivery_attempt = 0
    return bool(a2 == b2)


class DeliveryHub:
    """Connected terminals' streams, so a new notice reaches them at once."""

    def __init__(self, queue_size: int) -> None:
        self._queue_size = queue_size
        self._by_terminal: dict[str, set[asyncio.Queue[push_pb2.Notification]]] = defaultdict(set)
        self._by_merchant: dict[str, set[asyncio.Queue[push_pb2.Notification]]] = defaultdict(set)

    def publish(self, notification: push_pb2.Notification) -> None:
        targets = self._by_terminal.get(notification.terminal_id, set()) | self._by_merchant.get(
            notification.merchant_id, set()
        )
        for queue in targets:
            if queue.full():
                continue  # a stream this far behind re-reads what it owes from the store when it reconnects
            queue.put_nowait(notification)

    @contextmanager
    def subscribe(self, terminal_id: str, merchant_id: str) -> Iterator[asyncio.Queue[push_pb2.Notification]]:
        queue: asyncio.Queue[push_pb2.Notification] = asyncio.Queue(self._queue_size)
        self._by_terminal[terminal_id].add(queue)
        if merchant_id:
            self._by_merchant[merchant_id].add(queue)
        try:
            yield queue
        finally:
            self._by_terminal[terminal_id].discard(queue)
            if merchant_id:
                self._by_merchant[merchant_id].discard(queue)


class Notifier:
    def __init__(self, store: NotificationStore, hub: DeliveryHub) -> None:
        self._store = store
        self._hub = hub

    async def notify(self, notifications: Sequence[push_pb2.Notification]) -> NotifyOutcome:
        outcome = await asyncio.to_thread(self._store.accept, notifications, time.time_ns() // 1000)
        for n in outcome.accepted:
            self._hub.publish(n)
        return outcome

    async def stream(self, terminal_id: str, merchant_id: str) -> AsyncIterator[push_pb2.Notification]:
        v = Violations()
        check_id(v, "terminal_id", terminal_id)
        check_id(v, "merchant_id", merchant_id, required=False)
        v.raise_if_any()
        sent: set[str] = set()
        with self._hub.subscribe(terminal_id, merchant_id) as queue:
            # Subscribed before reading what is owed, so nothing published in between is missed.
            for n in await asyncio.to_thread(self._store.pending, terminal_id, merchant_id):
                yield await self._delivered(n, terminal_id, sent)
            while True:
                n = await queue.get()
                if n.notification_id not in sent:
                    yield await self._delivered(n, terminal_id, sent)

    async def _delivered(
        self, n: push_pb2.Notification, terminal_id: str, sent: set[str]
    ) -> push_pb2.Notification:
        sent.add(n.notification_id)
        out = push_pb2.Notification()
        out.CopyFrom(n)
        out.delivery_attempt = await asyncio.to_thread(
            self._store.record_attempt, n.notification_id, terminal_id
        )
        return out

    async def ack(self, terminal_id: str, notification_id: str) -> None:
        v = Violations()
        check_id(v, "terminal_id", terminal_id)
        check_id(v, "notification_id", notification_id)
        v.raise_if_any()
        await asyncio.to_thread(self._store.ack, terminal_id, notification_id, time.time_ns() // 1000)
