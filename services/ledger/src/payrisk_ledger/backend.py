"""The interface every ledger backend (Fabric, embedded) implements, with identical semantics."""

from __future__ import annotations

from typing import Protocol

from .model import Anchor, AnchoredBatch, Commit, Freeze, HistoryEntry, LedgerInfo


class LedgerBackend(Protocol):
    # "fabric" or "embedded": for logs and metrics.
    name: str

    async def create_freeze(self, freeze: Freeze) -> tuple[Freeze, Commit]:
        """Records a new freeze; FreezeExists when the id is taken."""

    async def release_freeze(self, freeze_id: str, reason: str) -> tuple[Freeze, Commit]:
        """FreezeNotFound or FreezeAlreadyReleased when it cannot be released."""

    async def get_freeze(self, freeze_id: str) -> Freeze | None: ...

    async def list_freezes(self, merchant_id: str) -> list[Freeze]: ...

    async def history(self, freeze_id: str) -> list[HistoryEntry]: ...

    async def anchor(self, anchor: Anchor) -> AnchoredBatch:
        """Commits a batch's root; AnchorExists when the batch id is taken."""

    async def get_anchor(self, batch_id: str) -> AnchoredBatch | None: ...

    async def info(self) -> LedgerInfo: ...

    async def close(self) -> None: ...
