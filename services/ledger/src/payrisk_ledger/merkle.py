"""Merkle trees over record contents, with inclusion proofs.

Leaves and inner nodes are hashed with different prefixes (as in RFC 6962), so a leaf can never pass for a
node. A level with an odd number of nodes carries its last node up unchanged rather than duplicating it, so
no two different record lists share a root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(content: bytes) -> bytes:
    return hashlib.sha256(_LEAF + content).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


@dataclass(frozen=True, slots=True)
class ProofStep:
    sibling: bytes
    sibling_on_left: bool


@dataclass(frozen=True, slots=True)
class MerkleTree:
    levels: tuple[tuple[bytes, ...], ...]

    @classmethod
    def of(cls, contents: Sequence[bytes]) -> MerkleTree:
        if not contents:
            raise ValueError("a Merkle tree needs at least one leaf")
        level = tuple(leaf_hash(c) for c in contents)
        levels = [level]
        while len(level) > 1:
            paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                paired.append(level[-1])
            level = tuple(paired)
            levels.append(level)
        return cls(tuple(levels))

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    def proof(self, index: int) -> list[ProofStep]:
        steps = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                steps.append(ProofStep(level[sibling], sibling_on_left=sibling < index))
            index //= 2
        return steps


def root_from_proof(leaf: bytes, proof: Sequence[ProofStep]) -> bytes:
    running = leaf
    for step in proof:
        running = (
            node_hash(step.sibling, running) if step.sibling_on_left else node_hash(running, step.sibling)
        )
    return running
