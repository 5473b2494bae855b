"""Transactions as columns of numbers: indices into the world's tables, amounts, codes and times."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .arrays import Floats, Ints


@dataclass(frozen=True, slots=True)
class TransactionColumns:
    occurred_at_us: Ints
    merchant: Ints
    payer: Ints
    # The payer who receives the money, or -1 when the merchant does.
    payee: Ints
    # -1: no terminal (online shops, transfers).
    device: Ints
    card: Ints
    amount_minor: Ints
    fee_minor: Ints
    # payrisk.common.v1.TransactionType and Channel values.
    type: Ints
    channel: Ints
    # Where the payer was: a place of the catalogue and a point.
    place: Ints
    latitude: Floats
    longitude: Floats
    # Index of the payer's address among the payers', or of a foreign one after them; -1: none.
    ip: Ints
    # Which of the merchant category's items the bill names.
    item: Ints
    # Index into scenarios.SCENARIOS; 0 for legitimate.
    scenario: Ints

    def __len__(self) -> int:
        return len(self.occurred_at_us)

    def take(self, index: Ints) -> TransactionColumns:
        return TransactionColumns(*(getattr(self, f.name)[index] for f in fields(self)))

    def in_time_order(self) -> TransactionColumns:
        return self.take(np.argsort(self.occurred_at_us, kind="stable"))

    @staticmethod
    def concat(parts: list[TransactionColumns]) -> TransactionColumns:
        return TransactionColumns(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(TransactionColumns))
        )
