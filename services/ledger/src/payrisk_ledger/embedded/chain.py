"""Hashing, signing and verifying the embedded ledger's blocks."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..models import BlockRow

GENESIS = bytes(32)


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def block_hash(number: int, transaction_id: str, kind: str, key: str, payload: bytes, timestamp_us: int,
               previous_hash: bytes) -> bytes:  # fmt: skip
    header = canonical([number, transaction_id, kind, key, timestamp_us, previous_hash.hex()])
    return hashlib.sha256(header + b"\n" + payload).digest()


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The ledger's signing key, created on first use and readable by its owner only."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key


@dataclass(frozen=True, slots=True)
class ChainVerification:
    valid: bool
    height: int
    # The first block that fails, and why.
    broken_at: int | None = None
    reason: str = ""


def verify_blocks(blocks: list[BlockRow], key: Ed25519PrivateKey) -> ChainVerification:
    public = key.public_key()
    previous = GENESIS
    for expected_number, block in enumerate(blocks, start=1):
        if block.number != expected_number:
            return ChainVerification(False, len(blocks), block.number, "a block is missing")
        if block.previous_hash != previous:
            return ChainVerification(False, len(blocks), block.number, "does not chain to the previous block")
        recomputed = block_hash(block.number, block.transaction_id, block.kind, block.key, block.payload,
                                block.timestamp_us, block.previous_hash)  # fmt: skip
        if recomputed != block.hash:
            return ChainVerification(False, len(blocks), block.number, "content does not match its hash")
        try:
            public.verify(block.signature, block.hash)
        except InvalidSignature:
            return ChainVerification(False, len(blocks), block.number, "signature does not verify")
        previous = block.hash
    return ChainVerification(True, len(blocks))
