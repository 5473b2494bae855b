"""The ledger's domain: freezes, anchors and where they were committed, independent of the backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FreezeStatus(StrEnum):
    FROZEN = "FROZEN"
    RELEASED = "RELEASED"


@dataclass(frozen=True, slots=True)
class Commit:
    """Where a write landed: the backend's transaction id and block number."""

    transaction_id: str
    block_number: int


@dataclass(frozen=True, slots=True)
class Freeze:
    freeze_id: str
    merchant_id: str
    instruction_id: str
    amount_minor: int
    currency: str
    transaction_ids: tuple[str, ...]
    reason: str
    status: FreezeStatus = FreezeStatus.FROZEN
    # Epoch microseconds, set by the ledger (the transaction timestamp), not the caller.
    created_at_us: int = 0
    released_at_us: int = 0
    release_reason: str = ""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    transaction_id: str
    timestamp_us: int
    freeze: Freeze


@dataclass(frozen=True, slots=True)
class Anchor:
    """A Merkle root committed for a batch of records."""

    batch_id: str
    kind: str
    merkle_root: str  # hex
    record_count: int
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AnchoredBatch:
    anchor: Anchor
    commit: Commit


@dataclass(frozen=True, slots=True)
class LedgerInfo:
    backend: str
    channel: str
    height: int
    peers: tuple[str, ...]
    chaincode: str
