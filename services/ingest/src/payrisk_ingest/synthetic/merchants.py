"""Merchants: where they are registered, what they sell, their legal form and capital, and their role."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from google.protobuf.timestamp_pb2 import Timestamp
from payrisk.common.v1 import common_pb2

from .arrays import Floats, Ints
from .catalog import CASH, CATEGORIES, CURRENCY, EVERYDAY, FEN, TAGS, TRANSFER
from .config import DAY_US, GeneratorConfig
from .names import merchant_name, shell_name
from .places import CITIES, CITY_WEIGHTS, COUNTRY, PLACES, SPARSE_PLACES, address, scatter


class Role(IntEnum):
    ORDINARY = 0
    # Registered in a sparse place with little capital, to move money rather than sell anything.
    SHELL = 1
    # A real shop that also turns credit into cash for its customers.
    CASH_OUT = 2


# Legal forms with their share among ordinary merchants and typical registered capital in yuan.
ORDINARY_FORMS = {
    "company": (0.55, 2_000_000),
    "individual": (0.33, 50_000),
    "partnership": (0.10, 500_000),
    "cooperative": (0.01, 300_000),
    "foreign_representative_office": (0.01, 1_000_000),
}
SHELL_FORMS = {"shell_offshore": 0.4, "nominee_company": 0.2, "unregistered_entity": 0.1, "individual": 0.3}
SPARSE_CATEGORIES = tuple(TAGS.index(t) for t in ("fuel", "convenience", "grocery", "restaurant", "hotel"))
CASH_OUT_CATEGORIES = tuple(TAGS.index(t) for t in ("electronics", "clothing", "grocery", "convenience"))


@dataclass(frozen=True, slots=True)
class _Spec:
    category: int
    place: int
    role: Role


@dataclass(frozen=True)
class MerchantTable:
    ids: list[str]
    names_zh: list[str]
    names_en: list[str]
    category: Ints
    place: Ints
    latitude: Floats
    longitude: Floats
    addresses: list[str]
    fee_rate: Floats
    offline_rate: Floats
    capital_minor: Ints
    registration_types: list[str]
    registered_at_us: Ints
    role: Ints

    def __len__(self) -> int:
        return len(self.ids)

    def with_role(self, role: Role) -> Ints:
        found: Ints = np.flatnonzero(self.role == role)
        return found

    def location(self, i: int) -> common_pb2.Location:
        place = PLACES[int(self.place[i])]
        return common_pb2.Location(
            country_code=COUNTRY,
            city=place.name_en,
            address=self.addresses[i],
            point=common_pb2.GeoPoint(latitude=float(self.latitude[i]), longitude=float(self.longitude[i])),
        )

    def message(self, i: int) -> common_pb2.Merchant:
        return common_pb2.Merchant(
            merchant_id=self.ids[i],
            name=f"{self.names_zh[i]} {self.names_en[i]}",
            registered_location=self.location(i),
            registered_capital=common_pb2.Money(
                currency_code=CURRENCY, minor_units=int(self.capital_minor[i])
            ),
            registration_type=self.registration_types[i],
            merchant_category_code=CATEGORIES[int(self.category[i])].mcc,
            registered_at=_timestamp(int(self.registered_at_us[i])),
        )

    def messages(self) -> list[common_pb2.Merchant]:
        return [self.message(i) for i in range(len(self))]


def _timestamp(us: int) -> Timestamp:
    ts = Timestamp()
    ts.FromMicroseconds(us)
    return ts


def _specs(rng: np.random.Generator, n: int) -> list[_Spec]:
    """Who the merchants are: every everyday category in every city first, then the rest by popularity."""
    per_city = max(1, round(n * 0.02 / len(CITIES))), max(1, round(n * 0.05 / len(CITIES)))
    specs = [_Spec(c, p, Role.ORDINARY) for p in CITIES for c in EVERYDAY]
    specs += [_Spec(TRANSFER, p, Role.ORDINARY) for p in CITIES for _ in range(per_city[0])]
    specs += [_Spec(CASH, p, Role.ORDINARY) for p in CITIES for _ in range(per_city[1])]
    n_shell = max(2, round(n * 0.01))
    specs += [
        _Spec(int(rng.choice(EVERYDAY)), int(rng.choice(SPARSE_PLACES)), Role.SHELL) for _ in range(n_shell)
    ]
    n_sparse = max(len(SPARSE_PLACES), round(n * 0.02))
    specs += [
        _Spec(int(rng.choice(SPARSE_CATEGORIES)), SPARSE_PLACES[i % len(SPARSE_PLACES)], Role.ORDINARY)
        for i in range(n_sparse)
    ]
    if len(specs) > n:
        raise ValueError(f"{n} merchants are too few for every category in every city ({len(specs)} needed)")
    popularity = np.array([CATEGORIES[c].popularity for c in EVERYDAY])
    rest = n - len(specs)
    categories = rng.choice(EVERYDAY, size=rest, p=popularity / popularity.sum())
    places = rng.choice(CITIES, size=rest, p=CITY_WEIGHTS)
    specs += [_Spec(int(c), int(p), Role.ORDINARY) for c, p in zip(categories, places, strict=True)]
    return _with_cash_out(rng, specs, max(2, round(n * 0.01)))


def _with_cash_out(rng: np.random.Generator, specs: list[_Spec], count: int) -> list[_Spec]:
    candidates = [
        i
        for i, s in enumerate(specs)
        if s.role == Role.ORDINARY and s.category in CASH_OUT_CATEGORIES and not PLACES[s.place].sparse
    ]
    for i in rng.choice(candidates, size=count, replace=False):
        specs[int(i)] = _Spec(specs[int(i)].category, specs[int(i)].place, Role.CASH_OUT)
    order = rng.permutation(len(specs))
    return [specs[int(i)] for i in order]


def _registration(rng: np.random.Generator, role: Role) -> tuple[str, int, float]:
    """Legal form, registered capital in fen, and how many days before the start it was registered."""
    if role == Role.SHELL:
        form = str(rng.choice(list(SHELL_FORMS), p=list(SHELL_FORMS.values())))
        return form, int(rng.uniform(1_000, 20_000) // 100 * 100 * FEN), rng.uniform(5, 60)
    forms = list(ORDINARY_FORMS)
    form = str(rng.choice(forms, p=[ORDINARY_FORMS[f][0] for f in forms]))
    capital = max(10_000, int(rng.lognormal(np.log(ORDINARY_FORMS[form][1]), 0.9) // 1000 * 1000))
    age_days = rng.uniform(90, 900) if role == Role.CASH_OUT else rng.uniform(180, 4000)
    return form, capital * FEN, age_days


def build_merchants(config: GeneratorConfig, rng: np.random.Generator) -> MerchantTable:
    specs = _specs(rng, config.merchant_count)
    n = len(specs)
    centres = [PLACES[s.place].centres[int(rng.integers(len(PLACES[s.place].centres)))] for s in specs]
    spread = np.array([PLACES[s.place].spread_km * (1.7 if s.role == Role.SHELL else 1.0) for s in specs])
    latitude, longitude = scatter(
        rng, np.array([c.latitude for c in centres]), np.array([c.longitude for c in centres]), spread
    )
    names_zh, names_en, addresses, forms, capital, registered = [], [], [], [], [], []
    for s, centre in zip(specs, centres, strict=True):
        place = PLACES[s.place]
        zh, en = (
            shell_name(rng, place.name_zh, place.name_en)
            if s.role == Role.SHELL
            else merchant_name(rng, s.category, centre.name_zh, centre.name_en)
        )
        names_zh.append(zh)
        names_en.append(en)
        addresses.append(address(rng, place, centre))
        form, capital_minor, age_days = _registration(rng, s.role)
        forms.append(form)
        capital.append(capital_minor)
        registered.append(config.start_us - int(age_days * DAY_US))
    category = np.array([s.category for s in specs], dtype=np.int64)
    places = np.array([s.place for s in specs], dtype=np.int64)
    base_fee = np.array([CATEGORIES[c].fee_rate for c in category])
    base_offline = np.array([CATEGORIES[c].offline_rate for c in category])
    sparse = np.array([PLACES[p].sparse for p in places])
    return MerchantTable(
        ids=[f"{config.prefix}-m{i:06d}" for i in range(n)],
        names_zh=names_zh,
        names_en=names_en,
        category=category,
        place=places,
        latitude=latitude,
        longitude=longitude,
        addresses=addresses,
        # One merchant in ten negotiated a discount.
        fee_rate=np.where(rng.random(n) < 0.1, base_fee * 0.8, base_fee),
        # Terminals far from the network are offline far more often.
        offline_rate=np.minimum(np.where(sparse, base_offline * 2.5, base_offline), 0.9),
        capital_minor=np.array(capital, dtype=np.int64),
        registration_types=forms,
        registered_at_us=np.array(registered, dtype=np.int64),
        role=np.array([s.role for s in specs], dtype=np.int64),
    )
