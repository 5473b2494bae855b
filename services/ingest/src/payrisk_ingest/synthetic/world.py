"""Everyone who takes part: merchants, their devices and the payers, with the lookups that pick among them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import Ints
from .config import GeneratorConfig, Stream
from .devices import DeviceTable, build_devices
from .groups import MerchantGroups
from .merchants import MerchantTable, Role, build_merchants
from .payers import ActivitySampler, PayerTable, build_payers
from .places import FOREIGN_IP_PREFIXES

FOREIGN_ADDRESSES = 500


@dataclass(frozen=True)
class World:
    config: GeneratorConfig
    merchants: MerchantTable
    devices: DeviceTable
    payers: PayerTable
    # Addresses abroad that fraudsters connect from; after the payers' in the ip column.
    foreign_ips: list[str]
    groups: MerchantGroups
    activity: ActivitySampler

    @property
    def ip_addresses(self) -> list[str]:
        """What the ip column indexes."""
        return self.payers.ip_addresses + self.foreign_ips

    def foreign_ip(self, rng: np.random.Generator, n: int) -> Ints:
        chosen: Ints = len(self.payers) + rng.integers(len(self.foreign_ips), size=n)
        return chosen


def _foreign_ips(rng: np.random.Generator) -> list[str]:
    prefixes = rng.choice(FOREIGN_IP_PREFIXES, size=FOREIGN_ADDRESSES)
    hosts = rng.integers(1, 255, size=(FOREIGN_ADDRESSES, 2))
    return [f"{p}.{a}.{b}" for p, (a, b) in zip(prefixes, hosts, strict=True)]


def build_world(config: GeneratorConfig) -> World:
    rng = config.rng(Stream.WORLD)
    merchants = build_merchants(config, rng)
    payers = build_payers(config, rng)
    return World(
        config=config,
        merchants=merchants,
        devices=build_devices(config, rng, merchants),
        payers=payers,
        foreign_ips=_foreign_ips(rng),
        groups=MerchantGroups(
            merchants.category, merchants.place, np.flatnonzero(merchants.role != Role.SHELL)
        ),
        activity=ActivitySampler(payers),
    )
