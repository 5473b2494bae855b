"""Caches for what every push request reads and few write: subscriptions and dismissals.

Another replica may write them, so nothing here is trusted for long.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

V = TypeVar("V")


class FreshCache(Generic[V]):
    """Least recently used entries, each trusted for `seconds`."""

    def __init__(self, seconds: float, capacity: int = 100_000) -> None:
        self._seconds = seconds
        self._capacity = capacity
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def get(self, key: str) -> V | None:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] >= self._seconds:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: str, value: V) -> None:
        self._entries[key] = (time.monotonic(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def drop(self, key: str) -> None:
        self._entries.pop(key, None)


class KnownIds:
    """Every id that has rows in a table, so that the many ids without any are answered without the database.

    Loaded in full now and then (another replica may have added one since); ids added here count at once.
    Until the first load, every id may have rows.
    """

    def __init__(self) -> None:
        self._ids: set[str] | None = None
        self._added_while_loading: set[str] | None = None
        self._lock = threading.Lock()

    def may_have(self, key: str) -> bool:
        ids = self._ids
        return ids is None or key in ids

    def add(self, key: str) -> None:
        with self._lock:
            if self._ids is not None:
                self._ids.add(key)
            if self._added_while_loading is not None:
                self._added_while_loading.add(key)

    def load(self, read: Callable[[], Iterable[str]]) -> None:
        with self._lock:
            self._added_while_loading = set()
        try:
            fresh = set(read())
        finally:
            with self._lock:
                added, self._added_while_loading = self._added_while_loading, None
        with self._lock:
            self._ids = fresh | (added or set())
