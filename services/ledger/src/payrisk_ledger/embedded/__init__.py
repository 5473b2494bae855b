"""A local ledger with Fabric's semantics: a hash-chained, signed, append-only log in SQLite."""

from .backend import EmbeddedLedger
from .chain import ChainVerification

__all__ = ["ChainVerification", "EmbeddedLedger"]
