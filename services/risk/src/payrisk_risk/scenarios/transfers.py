"""Money movements as columns: the raw edges of the relation graph.

Amounts are in any unit (features only ever compare them as ratios), times in the source's own unit
(an AMLSim step, a day of payrisk data), so the same code serves graphs of very different scales.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import Bools, Floats, Ints

UNKNOWN = -1


@dataclass(frozen=True)
class Vocabulary:
    """Names of the things an integer column indexes (accounts, devices, ...)."""

    names: list[str]

    def name(self, index: int) -> str:
        return self.names[index] if index >= 0 else ""


def intern(values: list[str]) -> tuple[Ints, Vocabulary]:
    """Integer codes for string values; the empty string becomes UNKNOWN."""
    codes: dict[str, int] = {}
    out = np.empty(len(values), dtype=np.int64)
    for i, value in enumerate(values):
        out[i] = codes.setdefault(value, len(codes)) if value else UNKNOWN
    return out, Vocabulary(list(codes))


@dataclass(frozen=True)
class Context:
    """What a payment carries besides who paid whom: present for payrisk's own transactions only."""

    merchant: Ints
    device: Ints
    ip: Ints
    card: Ints
    # payrisk.common.v1.TransactionType values.
    kind: Ints
    offline: Bools
    # Fee as a share of the amount.
    fee_rate: Floats
    # NaN when unknown.
    latitude: Floats
    longitude: Floats
    # Hour of the day (UTC), 0-23.
    hour: Ints
    merchants: Vocabulary
    devices: Vocabulary
    ips: Vocabulary
    cards: Vocabulary

    def take(self, index: Ints) -> Context:
        return Context(
            merchant=self.merchant[index],
            device=self.device[index],
            ip=self.ip[index],
            card=self.card[index],
            kind=self.kind[index],
            offline=self.offline[index],
            fee_rate=self.fee_rate[index],
            latitude=self.latitude[index],
            longitude=self.longitude[index],
            hour=self.hour[index],
            merchants=self.merchants,
            devices=self.devices,
            ips=self.ips,
            cards=self.cards,
        )


@dataclass(frozen=True)
class Transfers:
    ids: list[str]
    payer: Ints
    payee: Ints
    amount: Floats
    time: Floats
    accounts: Vocabulary
    context: Context | None = None

    def __len__(self) -> int:
        return len(self.payer)

    @property
    def n_accounts(self) -> int:
        return len(self.accounts.names)

    def take(self, index: Ints) -> Transfers:
        return Transfers(
            ids=[self.ids[i] for i in index.tolist()],
            payer=self.payer[index],
            payee=self.payee[index],
            amount=self.amount[index],
            time=self.time[index],
            accounts=self.accounts,
            context=self.context.take(index) if self.context is not None else None,
        )
