"""Notifications and their delivery to each terminal, in the database.

A terminal owes nothing once it has acknowledged a notice; every notice addressed to it (or to its merchant)
without an acknowledgement from it is still owed, however often it was sent.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from payrisk.common.v1 import common_pb2
from payrisk.push.v1 import push_pb2
from payrisk_runtime import NotFound
from sqlalchemy import Engine, and_, func, or_, select

from ..models import DELIVERIES, NOTIFICATIONS
from ..upsert import insert_for
from .checks import violations

# Notices read per terminal at a time; the rest follow once these are acknowledged.
MAX_OWED = 1000


@dataclass
class NotifyOutcome:
    accepted: list[push_pb2.Notification] = field(default_factory=list)
    duplicates: int = 0
    rejected: list[common_pb2.ItemError] = field(default_factory=list)


@dataclass(frozen=True)
class Owed:
    notification: push_pb2.Notification
    # Deliveries to this terminal recorded so far.
    attempts: int


class NotificationStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # Accepting checks for existing ids then inserts: one batch at a time in this process.
        self._lock = threading.Lock()

    def accept(self, notifications: Sequence[push_pb2.Notification], now_us: int) -> NotifyOutcome:
        outcome = NotifyOutcome()
        valid = []
        for index, n in enumerate(notifications):
            v = violations(n, f"notifications[{index}]")
            if v:
                first = v.items[0]
                outcome.rejected.append(common_pb2.ItemError(index=index, id=n.notification_id[:128], field=first.field,
                                                             description=first.description,
                                                             code=common_pb2.ITEM_ERROR_CODE_INVALID))  # fmt: skip
                continue
            stored = push_pb2.Notification()
            stored.CopyFrom(n)
            stored.delivery_attempt = 0
            if not stored.HasField("created_at"):
                stored.created_at.FromMicroseconds(now_us)
            valid.append((index, stored))
        with self._lock, self._engine.begin() as conn:
            ids = [n.notification_id for _, n in valid]
            existing = dict(conn.execute(select(NOTIFICATIONS.c.notification_id, NOTIFICATIONS.c.payload)
                                         .where(NOTIFICATIONS.c.notification_id.in_(ids))).all())  # fmt: skip
            rows = []
            for index, stored in valid:
                previous = existing.get(stored.notification_id)
                if previous is not None:
                    if _same(push_pb2.Notification.FromString(previous), stored):
                        outcome.duplicates += 1
                    else:
                        outcome.rejected.append(common_pb2.ItemError(
                            index=index, id=stored.notification_id, field=f"notifications[{index}].notification_id",
                            description="already accepted with different content",
                            code=common_pb2.ITEM_ERROR_CODE_CONFLICT))  # fmt: skip
                    continue
                payload = stored.SerializeToString(deterministic=True)
                existing[stored.notification_id] = payload
                rows.append({"notification_id": stored.notification_id, "merchant_id": stored.merchant_id,
                             "terminal_id": stored.terminal_id, "payload": payload,
                             "created_at_us": stored.created_at.ToMicroseconds()})  # fmt: skip
                outcome.accepted.append(stored)
            if rows:
                conn.execute(NOTIFICATIONS.insert(), rows)
        outcome.rejected.sort(key=lambda e: e.index)
        return outcome

    def owed(self, terminal_id: str, merchant_id: str) -> list[Owed]:
        """What this terminal has not acknowledged, oldest first, with the deliveries recorded so far."""
        delivery = and_(
            DELIVERIES.c.notification_id == NOTIFICATIONS.c.notification_id,
            DELIVERIES.c.terminal_id == terminal_id,
        )
        addressed = NOTIFICATIONS.c.terminal_id == terminal_id
        if merchant_id:
            addressed = or_(addressed, NOTIFICATIONS.c.merchant_id == merchant_id)
        query = (
            select(NOTIFICATIONS.c.payload, func.coalesce(DELIVERIES.c.attempts, 0).label("attempts"))
            .select_from(NOTIFICATIONS.outerjoin(DELIVERIES, delivery))
            .where(addressed, func.coalesce(DELIVERIES.c.acked_at_us, 0) == 0)
            .order_by(NOTIFICATIONS.c.created_at_us, NOTIFICATIONS.c.notification_id)
            .limit(MAX_OWED)
        )
        with self._engine.connect() as conn:
            return [
                Owed(push_pb2.Notification.FromString(r.payload), int(r.attempts))
                for r in conn.execute(query)
            ]

    def add_attempts(self, attempts: Mapping[tuple[str, str], int]) -> None:
        """Counts deliveries: attempts[(notification_id, terminal_id)] more of each."""
        if not attempts:
            return
        rows = [{"notification_id": n, "terminal_id": t, "attempts": count, "acked_at_us": 0}
                for (n, t), count in sorted(attempts.items())]  # fmt: skip
        statement = insert_for(self._engine)(DELIVERIES)
        statement = statement.on_conflict_do_update(
            index_elements=["notification_id", "terminal_id"],
            set_={"attempts": DELIVERIES.c.attempts + statement.excluded.attempts},
        )
        with self._engine.begin() as conn:
            conn.execute(statement, rows)

    def ack(self, terminal_id: str, notification_id: str, now_us: int) -> None:
        with self._engine.begin() as conn:
            notice = conn.execute(select(NOTIFICATIONS.c.terminal_id)
                                  .where(NOTIFICATIONS.c.notification_id == notification_id)).first()  # fmt: skip
            if notice is None or notice.terminal_id not in ("", terminal_id):
                raise NotFound(f"no notification {notification_id} for terminal {terminal_id}")
            statement = insert_for(self._engine)(DELIVERIES).values(
                notification_id=notification_id, terminal_id=terminal_id, attempts=0, acked_at_us=now_us
            )
            conn.execute(statement.on_conflict_do_update(
                index_elements=["notification_id", "terminal_id"], set_={"acked_at_us": now_us},
                where=DELIVERIES.c.acked_at_us == 0))  # fmt: skip


def _same(a: push_pb2.Notification, b: push_pb2.Notification) -> bool:
    """The same notice apart from when it was stamped (a retried Notify without created_at)."""
    a2, b2 = push_pb2.Notification(), push_pb2.Notification()
    a2.CopyFrom(a)
    b2.CopyFrom(b)
    for m in (a2, b2):
        m.ClearField("created_at")
        m.delivery_attempt = 0
    return bool(a2 == b2)
