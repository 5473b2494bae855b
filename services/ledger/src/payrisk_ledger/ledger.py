"""The ledger's operations on top of any backend: idempotent freezes, anchoring with receipts, verification."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from payrisk_runtime import AlreadyExists, annotate

from .backend import LedgerBackend
from .embedded.chain import ChainVerification
from .errors import FreezeExists
from .merkle import MerkleTree, ProofStep, leaf_hash, root_from_proof
from .metrics import timed_commit
from .model import Anchor, AnchoredBatch, Commit, Freeze
from .outbox import AnchorOutbox


@dataclass(frozen=True, slots=True)
class Record:
    record_id: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Receipt:
    record_id: str
    batch_id: str
    leaf_index: int
    leaf_hash: bytes
    proof: tuple[ProofStep, ...]
    merkle_root: bytes
    commit: Commit | None


@dataclass(frozen=True, slots=True)
class Verification:
    valid: bool
    reason: str = ""
    anchored_root: bytes = b""
    commit: Commit | None = None


def _same_freeze(a: Freeze, b: Freeze) -> bool:
    keys = ("merchant_id", "instruction_id", "amount_minor", "currency", "transaction_ids", "reason")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


class Ledger:
    def __init__(
        self,
        backend: LedgerBackend,
        outbox: AnchorOutbox,
        integrity_check: Callable[[], ChainVerification] | None = None,
    ) -> None:
        self.backend = backend
        self._outbox = outbox
        # Only a backend that can be tampered with locally (the embedded one) needs this.
        self._integrity_check = integrity_check

    async def freeze(self, freeze: Freeze) -> tuple[Freeze, Commit]:
        """Idempotent by freeze id: a replay returns the freeze as recorded; other content is a conflict."""
        annotate(freeze_id=freeze.freeze_id, merchant_id=freeze.merchant_id)
        try:
            with timed_commit(self.backend.name, "freeze"):
                recorded, commit = await self.backend.create_freeze(freeze)
        except FreezeExists:
            history = await self.backend.history(freeze.freeze_id)
            if not history or not _same_freeze(history[0].freeze, freeze):
                raise
            recorded, commit = history[-1].freeze, Commit(history[0].transaction_id, 0)
        annotate(ledger_transaction_id=commit.transaction_id, block_number=commit.block_number)
        return recorded, commit

    async def release(self, freeze_id: str, reason: str) -> tuple[Freeze, Commit]:
        annotate(freeze_id=freeze_id)
        with timed_commit(self.backend.name, "release"):
            released, commit = await self.backend.release_freeze(freeze_id, reason)
        annotate(ledger_transaction_id=commit.transaction_id, block_number=commit.block_number)
        return released, commit

    async def anchor_records(
        self, batch_id: str, kind: str, records: Sequence[Record]
    ) -> tuple[AnchoredBatch, list[Receipt]]:
        tree = MerkleTree.of([r.content for r in records])
        anchor = Anchor(batch_id, kind, tree.root.hex(), len(records))
        annotate(batch_id=batch_id, records=len(records))
        with timed_commit(self.backend.name, "anchor"):
            anchored = await self._outbox.commit(anchor)
        annotate(
            ledger_transaction_id=anchored.commit.transaction_id, block_number=anchored.commit.block_number
        )
        if anchored.anchor.merkle_root != anchor.merkle_root:
            raise AlreadyExists(f"batch {batch_id} was anchored with other records")
        receipts = [
            Receipt(
                r.record_id, batch_id, i, tree.levels[0][i], tuple(tree.proof(i)), tree.root, anchored.commit
            )
            for i, r in enumerate(records)
        ]
        return anchored, receipts

    async def verify(self, receipt: Receipt, content: bytes) -> Verification:
        leaf = leaf_hash(content)
        if leaf != receipt.leaf_hash:
            return Verification(False, "the record's content does not match the receipt")
        if root_from_proof(leaf, receipt.proof) != receipt.merkle_root:
            return Verification(False, "the inclusion proof does not lead to the receipt's root")
        anchored = await self.backend.get_anchor(receipt.batch_id)
        if anchored is None:
            return Verification(False, f"batch {receipt.batch_id} is not on the ledger")
        on_chain = bytes.fromhex(anchored.anchor.merkle_root)
        if on_chain != receipt.merkle_root:
            return Verification(
                False, "the root on the ledger differs from the receipt's", on_chain, anchored.commit
            )
        if self._integrity_check is not None:
            chain = self._integrity_check()
            if not chain.valid:
                return Verification(
                    False, f"the ledger fails verification at block {chain.broken_at}: {chain.reason}"
                )
        return Verification(True, "", on_chain, anchored.commit)
