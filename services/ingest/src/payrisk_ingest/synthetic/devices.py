"""Payment terminals: a few per merchant that takes cards in person, each with its own signing key."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from google.protobuf.timestamp_pb2 import Timestamp
from payrisk.common.v1 import common_pb2

from .arrays import Ints
from .catalog import CASH, CATEGORIES
from .config import DAY_US, GeneratorConfig
from .keys import DeviceKeyring
from .merchants import MerchantTable, Role

MODELS = ("PAX A920", "Sunmi P2", "Newland N910", "Verifone V240m", "Ingenico Move/5000")


@dataclass(frozen=True)
class DeviceTable:
    ids: list[str]
    merchant: Ints
    # The devices of merchant m are first[m] .. first[m] + count[m] - 1.
    first: Ints
    count: Ints
    models: list[str]
    firmware: list[str]
    registered_at_us: Ints
    keys: DeviceKeyring

    def __len__(self) -> int:
        return len(self.ids)

    def pick(self, rng: np.random.Generator, merchant: Ints) -> Ints:
        """One of each merchant's devices, or -1 for a merchant without any."""
        count = self.count[merchant]
        offset = (rng.random(len(merchant)) * np.maximum(count, 1)).astype(np.int64)
        chosen: Ints = np.where(count > 0, self.first[merchant] + offset, -1)
        return chosen

    def message(self, i: int, merchants: MerchantTable) -> common_pb2.Device:
        m = int(self.merchant[i])
        category = CATEGORIES[int(merchants.category[m])]
        registered = Timestamp()
        registered.FromMicroseconds(int(self.registered_at_us[i]))
        return common_pb2.Device(
            device_id=self.ids[i],
            merchant_id=merchants.ids[m],
            public_key_pem=self.keys.public_key_pem(i),
            model=self.models[i],
            firmware_version=self.firmware[i],
            location=merchants.location(m),
            business_tags=[category.tag, category.group],
            registered_at=registered,
        )

    def messages(self, merchants: MerchantTable) -> list[common_pb2.Device]:
        return [self.message(i, merchants) for i in range(len(self))]


def _terminal_count(rng: np.random.Generator, merchants: MerchantTable) -> Ints:
    n = len(merchants)
    ordinary = rng.choice([1, 2, 3], size=n, p=[0.6, 0.3, 0.1])
    counts = np.where(merchants.category == CASH, rng.choice([1, 2], size=n), ordinary)
    counts = np.where(merchants.role == Role.SHELL, 1, counts)
    has_terminals = np.array([CATEGORIES[c].terminals for c in merchants.category])
    result: Ints = np.where(has_terminals, counts, 0).astype(np.int64)
    return result


def build_devices(config: GeneratorConfig, rng: np.random.Generator, merchants: MerchantTable) -> DeviceTable:
    count = _terminal_count(rng, merchants)
    first = np.cumsum(count) - count
    merchant = np.repeat(np.arange(len(merchants)), count)
    n = len(merchant)
    number_at_merchant = np.arange(n) - first[merchant] + 1
    registered = merchants.registered_at_us[merchant] + (rng.uniform(0, 5, n) * DAY_US).astype(np.int64)
    return DeviceTable(
        ids=[f"{merchants.ids[m]}-t{k}" for m, k in zip(merchant, number_at_merchant, strict=True)],
        merchant=merchant,
        first=first.astype(np.int64),
        count=count,
        models=[MODELS[int(i)] for i in rng.integers(len(MODELS), size=n)],
        firmware=[f"{a}.{b}.{c}" for a, b, c in rng.integers([1, 0, 0], [4, 10, 20], size=(n, 3))],
        registered_at_us=np.minimum(registered, config.start_us),
        keys=DeviceKeyring(rng, n),
    )
