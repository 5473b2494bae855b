"""Anchoring risk decisions on the ledger: each batch of decisions becomes one Merkle root on chain, and each
decision gets a receipt that anyone holding the decision can verify against that root."""

from .anchorer import DecisionAnchorer
from .content import anchored_content

__all__ = ["DecisionAnchorer", "anchored_content"]
