"""The chaincode's keys and its reads and writes of the world state.

Keys are composite keys (`\\x00freeze\\x00<id>\\x00`), which plain range queries never return, plus an index
`merchant~freeze` (merchant id, freeze id) so a merchant's freezes are one prefix scan.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

FREEZE = "freeze"
ANCHOR = "anchor"
MERCHANT_INDEX = "merchant~freeze"
# Fabric treats an empty value as a delete, so index entries hold one zero byte (as Fabric's samples do).
INDEX_VALUE = b"\x00"


class Stub(Protocol):
    """The part of fabric_chaincode_python's ChaincodeStub this chaincode uses."""

    def get_txid(self) -> str: ...
    def get_tx_timestamp(self) -> Any: ...
    async def get_state(self, key: str) -> bytes: ...
    async def put_state(self, key: str, value: bytes) -> Any: ...
    async def get_history_for_key(self, key: str) -> AsyncIterator[Any]: ...
    async def get_state_by_partial_composite_key(
        self, object_type: str, attributes: Sequence[str]
    ) -> AsyncIterator[Any]: ...
    def create_composite_key(self, object_type: str, attributes: Sequence[str]) -> str: ...
    def split_composite_key(self, composite_key: str) -> tuple[str, list[str]]: ...
    def set_event(self, name: str, payload: bytes) -> None: ...


@dataclass(frozen=True, slots=True)
class Modification:
    tx_id: str
    timestamp_us: int
    is_delete: bool
    value: bytes


def timestamp_us(timestamp: Any) -> int:
    """A google.protobuf.Timestamp as epoch microseconds (0 when absent)."""
    if timestamp is None:
        return 0
    return int(timestamp.seconds) * 1_000_000 + int(timestamp.nanos) // 1_000


class WorldState:
    def __init__(self, stub: Stub) -> None:
        self.stub = stub

    def freeze_key(self, freeze_id: str) -> str:
        return self.stub.create_composite_key(FREEZE, [freeze_id])

    def anchor_key(self, batch_id: str) -> str:
        return self.stub.create_composite_key(ANCHOR, [batch_id])

    async def get(self, key: str) -> bytes | None:
        value = await self.stub.get_state(key)
        return bytes(value) if value else None

    async def put(self, key: str, value: str) -> None:
        await self.stub.put_state(key, value.encode())

    async def index_merchant_freeze(self, merchant_id: str, freeze_id: str) -> None:
        key = self.stub.create_composite_key(MERCHANT_INDEX, [merchant_id, freeze_id])
        await self.stub.put_state(key, INDEX_VALUE)

    async def merchant_freeze_ids(self, merchant_id: str) -> list[str]:
        entries = await self.stub.get_state_by_partial_composite_key(MERCHANT_INDEX, [merchant_id])
        ids = []
        async for entry in entries:
            _, attributes = self.stub.split_composite_key(entry.key)
            ids.append(attributes[1])
        return ids

    async def history(self, key: str) -> list[Modification]:
        """Oldest first."""
        modifications = [
            Modification(m.tx_id, timestamp_us(m.timestamp), bool(m.is_delete), bytes(m.value))
            async for m in await self.stub.get_history_for_key(key)
        ]
        # Fabric's history database answers newest first.
        modifications.reverse()
        return modifications

    def tx_time_us(self) -> int:
        return timestamp_us(self.stub.get_tx_timestamp())

    def emit(self, name: str, payload: str) -> None:
        """Fabric keeps one event per transaction: the last one set."""
        self.stub.set_event(name, payload.encode())
