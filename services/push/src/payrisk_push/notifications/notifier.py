"""Accepting notices and streaming them to terminals: at least once, until acknowledged.

A stream first sends everything its terminal owes, then new notices as they are accepted. While it stays
connected it looks at what it owes again every `redelivery_seconds`: notices sent that long ago without an
acknowledgement are sent again, and notices accepted by another replica of push arrive that way too.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import AsyncIterator, Sequence

from payrisk.push.v1 import push_pb2
from payrisk_runtime import annotate
from payrisk_runtime.validation import Violations, check_id

from .attempts import AttemptLog
from .hub import DeliveryHub
from .store import NotificationStore, NotifyOutcome, Owed


class Notifier:
    def __init__(
        self, store: NotificationStore, hub: DeliveryHub, attempts: AttemptLog, redelivery_seconds: float
    ) -> None:
        self._store = store
        self._hub = hub
        self._attempts = attempts
        self._redelivery = redelivery_seconds

    async def notify(self, notifications: Sequence[push_pb2.Notification]) -> NotifyOutcome:
        outcome = await asyncio.to_thread(self._store.accept, notifications, time.time_ns() // 1000)
        annotate(
            merchant_id=",".join(sorted({n.merchant_id for n in notifications if n.merchant_id})),
            notification_id=",".join(n.notification_id for n in notifications[:10]),
            accepted=len(outcome.accepted),
        )
        for n in outcome.accepted:
            self._hub.publish(n)
        return outcome

    async def ack(self, terminal_id: str, notification_id: str) -> None:
        v = Violations()
        check_id(v, "terminal_id", terminal_id)
        check_id(v, "notification_id", notification_id)
        v.raise_if_any()
        await asyncio.to_thread(self._store.ack, terminal_id, notification_id, time.time_ns() // 1000)

    async def stream(self, terminal_id: str, merchant_id: str) -> AsyncIterator[push_pb2.Notification]:
        v = Violations()
        check_id(v, "terminal_id", terminal_id)
        check_id(v, "merchant_id", merchant_id, required=False)
        v.raise_if_any()
        delivery = _Delivery(terminal_id, self._attempts)
        with self._hub.subscribe(terminal_id, merchant_id) as inbox:
            # Subscribed before reading what is owed, so nothing accepted in between is missed.
            owed = await self._owed(terminal_id, merchant_id, delivery, 0.0)
            while True:
                for n, recorded in owed:
                    yield delivery.send(n, recorded)
                owed = []
                if inbox.overflowed:
                    inbox.overflowed = False
                    owed = await self._owed(terminal_id, merchant_id, delivery, self._redelivery)
                    continue
                try:
                    # Spread out, so that streams that connected together do not all look at once.
                    async with asyncio.timeout(self._redelivery * random.uniform(0.8, 1.2)):
                        n = await inbox.queue.get()
                except TimeoutError:
                    owed = await self._owed(terminal_id, merchant_id, delivery, self._redelivery)
                    continue
                if not delivery.sent_on_stream(n.notification_id):
                    yield delivery.send(n, 0)

    async def _owed(
        self, terminal_id: str, merchant_id: str, delivery: _Delivery, quiet_seconds: float
    ) -> list[tuple[push_pb2.Notification, int]]:
        owed: list[Owed] = await asyncio.to_thread(self._store.owed, terminal_id, merchant_id)
        delivery.forget_all_but({o.notification.notification_id for o in owed})
        return [
            (
                o.notification,
                o.attempts + self._attempts.unwritten(o.notification.notification_id, terminal_id),
            )
            for o in owed
            if delivery.seconds_since_sent(o.notification.notification_id) >= quiet_seconds
        ]


class _Delivery:
    """One stream's record of what it sent and when."""

    def __init__(self, terminal_id: str, attempts: AttemptLog) -> None:
        self._terminal_id = terminal_id
        self._attempts = attempts
        self._sent: dict[str, float] = {}
        self._counts: dict[str, int] = {}

    def send(self, n: push_pb2.Notification, recorded: int) -> push_pb2.Notification:
        attempt = max(self._counts.get(n.notification_id, 0), recorded) + 1
        self._counts[n.notification_id] = attempt
        self._sent[n.notification_id] = time.monotonic()
        self._attempts.record(n.notification_id, self._terminal_id)
        out = push_pb2.Notification()
        out.CopyFrom(n)
        out.delivery_attempt = attempt
        return out

    def sent_on_stream(self, notification_id: str) -> bool:
        return notification_id in self._sent

    def seconds_since_sent(self, notification_id: str) -> float:
        sent = self._sent.get(notification_id)
        return math.inf if sent is None else time.monotonic() - sent

    def forget_all_but(self, owed: set[str]) -> None:
        """Acknowledged notices are done with: only what is still owed needs remembering."""
        self._sent = {k: t for k, t in self._sent.items() if k in owed}
        self._counts = {k: c for k, c in self._counts.items() if k in owed}
