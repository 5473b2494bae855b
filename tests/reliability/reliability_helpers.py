"""Clients that behave as payrisk's users should: resend what was not acknowledged, with backoff."""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import grpc
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc

RETRIABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
T = TypeVar("T")


def backoff(attempt: int, base: float = 0.1, cap: float = 2.0) -> float:
    """Exponential backoff with full jitter."""
    return float(random.uniform(0, min(cap, base * 2**attempt)))


def stream_until_acknowledged(
    address: Callable[[], str],
    batches: list[ingest_pb2.IngestTransactionsRequest],
    on_response: Callable[[int], None] = lambda n: None,
    deadline_seconds: float = 120,
) -> dict[str, ingest_pb2.IngestTransactionsResponse]:
    """Streams the batches; after a failure, resends every batch not yet acknowledged on a new stream."""
    acknowledged: dict[str, ingest_pb2.IngestTransactionsResponse] = {}
    deadline = time.monotonic() + deadline_seconds
    attempt = 0
    while len(acknowledged) < len(batches):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(batches) - len(acknowledged)} batches never acknowledged")
        pending = [b for b in batches if b.batch_id not in acknowledged]
        try:
            with grpc.insecure_channel(address()) as channel:
                for response in ingest_pb2_grpc.IngestServiceStub(channel).IngestTransactions(
                    iter(pending), timeout=60
                ):
                    acknowledged[response.batch_id] = response
                    on_response(len(acknowledged))
            attempt = 0
        except grpc.RpcError as error:
            if error.code() not in RETRIABLE:  # type: ignore[attr-defined]
                raise
            time.sleep(backoff(attempt))
            attempt += 1
    return acknowledged


class BlackHole:
    """A dependency that hangs: it accepts every connection and reads whatever comes, forever, answering
    nothing (not even the HTTP/2 handshake), so a caller's only way out is its own deadline."""

    def __init__(self, port: int = 0) -> None:
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port = int(self._listener.getsockname()[1])
        self.address = f"127.0.0.1:{self.port}"
        self.connected = threading.Event()
        self._open: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._open.append(connection)
            self.connected.set()
            threading.Thread(target=self._swallow, args=(connection,), daemon=True).start()

    @staticmethod
    def _swallow(connection: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while connection.recv(65536):
                pass

    def close(self) -> None:
        """Stops listening and drops every connection: the port is free for the real service."""
        self._closed = True
        # Shut down first: a close alone leaves the accepting thread's socket listening on Linux.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for connection in self._open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def __enter__(self) -> BlackHole:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def eventually(check: Callable[[], bool], within: float = 120.0, every: float = 0.25) -> None:
    """Waits until `check()` holds, ignoring failed calls on the way (a service restarting)."""
    deadline = time.monotonic() + within
    while True:
        try:
            if check():
                return
        except grpc.RpcError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(every)


def retried(call: Callable[[], T], attempts: int = 60) -> T:
    """`call()`, retried with backoff and jitter while the service is unavailable (it is idempotent)."""
    for attempt in range(attempts):
        try:
            return call()
        except grpc.RpcError as error:
            if error.code() not in RETRIABLE or attempt == attempts - 1:  # type: ignore[attr-defined]
                raise
            time.sleep(backoff(attempt))
    raise AssertionError("unreachable")
