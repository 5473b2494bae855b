"""Connected terminals' streams, so that a new notice reaches them at once."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from payrisk.push.v1 import push_pb2


class Inbox:
    """One stream's queue of new notices. When it fills up (a slow reader), later notices are not queued but
    the inbox is marked, and the stream reads what it owes from the store instead: nothing is lost."""

    def __init__(self, size: int) -> None:
        self.queue: asyncio.Queue[push_pb2.Notification] = asyncio.Queue(size)
        self.overflowed = False

    def put(self, notification: push_pb2.Notification) -> None:
        if self.queue.full():
            self.overflowed = True
        else:
            self.queue.put_nowait(notification)


class DeliveryHub:
    def __init__(self, queue_size: int) -> None:
        self._queue_size = queue_size
        self._by_terminal: dict[str, set[Inbox]] = defaultdict(set)
        self._by_merchant: dict[str, set[Inbox]] = defaultdict(set)

    @property
    def connected(self) -> int:
        return sum(len(inboxes) for inboxes in self._by_terminal.values())

    def publish(self, notification: push_pb2.Notification) -> None:
        if notification.terminal_id:
            targets = self._by_terminal.get(notification.terminal_id, set())
        else:
            targets = self._by_merchant.get(notification.merchant_id, set())
        for inbox in targets:
            inbox.put(notification)

    @contextmanager
    def subscribe(self, terminal_id: str, merchant_id: str) -> Iterator[Inbox]:
        inbox = Inbox(self._queue_size)
        self._by_terminal[terminal_id].add(inbox)
        if merchant_id:
            self._by_merchant[merchant_id].add(inbox)
        try:
            yield inbox
        finally:
            _discard(self._by_terminal, terminal_id, inbox)
            if merchant_id:
                _discard(self._by_merchant, merchant_id, inbox)


def _discard(index: dict[str, set[Inbox]], key: str, inbox: Inbox) -> None:
    inboxes = index.get(key)
    if inboxes is not None:
        inboxes.discard(inbox)
        if not inboxes:
            del index[key]  # a million terminals come and go; their keys must not pile up
