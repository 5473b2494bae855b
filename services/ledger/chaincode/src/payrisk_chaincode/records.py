"""What the chaincode keeps in the world state, as canonical JSON.

Field names match the ledger service's domain types (payrisk_ledger.model.Freeze and Anchor), so a client
can build those straight from the JSON. Canonical JSON (sorted keys, no spaces) keeps every endorsing peer's
write set byte-identical: differing bytes would fail the endorsement policy.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

FROZEN = "FROZEN"
RELEASED = "RELEASED"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class FreezeRecord:
    freeze_id: str
    merchant_id: str
    instruction_id: str
    amount_minor: int
    currency: str
    transaction_ids: tuple[str, ...]
    reason: str
    status: str = FROZEN
    # Epoch microseconds of the transactions' timestamps (the same on every endorsing peer).
    created_at_us: int = 0
    released_at_us: int = 0
    release_reason: str = ""

    def to_json(self) -> str:
        return canonical_json(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: bytes | str) -> FreezeRecord:
        data = json.loads(text)
        data["transaction_ids"] = tuple(data["transaction_ids"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class AnchorRecord:
    batch_id: str
    kind: str
    merkle_root: str
    record_count: int
    metadata: dict[str, str] = field(default_factory=dict)
    anchored_at_us: int = 0
    # The Fabric transaction that wrote the anchor; its block holds the root for good.
    tx_id: str = ""

    def to_json(self) -> str:
        return canonical_json(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: bytes | str) -> AnchorRecord:
        return cls(**json.loads(text))
