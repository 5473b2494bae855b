"""Merchants and devices: registered once by id; re-registering identical content changes nothing."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, Table, and_, select
from sqlalchemy.dialects import postgresql, sqlite

from ..models import DEVICES, MERCHANTS, DeviceRow, MerchantRow

EARTH_RADIUS_METERS = 6_371_000.0


@dataclass(slots=True)
class Registration:
    """One item to register: its position in the request, id, exact bytes and column values."""

    index: int
    key: str
    payload: bytes
    values: dict[str, object]


@dataclass(slots=True)
class RegistrationOutcome:
    registered: list[Registration] = field(default_factory=list)
    unchanged: list[Registration] = field(default_factory=list)
    conflicts: list[Registration] = field(default_factory=list)


def haversine_meters(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_METERS * math.asin(min(1.0, math.sqrt(a)))


class RegistryStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()

    def register_merchants(self, items: Sequence[Registration]) -> RegistrationOutcome:
        return self._register(MERCHANTS, "merchant_id", items)

    def register_devices(self, items: Sequence[Registration]) -> RegistrationOutcome:
        return self._register(DEVICES, "device_id", items)

    def _register(self, table: Table, key: str, items: Sequence[Registration]) -> RegistrationOutcome:
        outcome = RegistrationOutcome()
        insert = postgresql.insert if self._engine.dialect.name == "postgresql" else sqlite.insert
        with self._lock, self._engine.begin() as conn:
            keys = [item.key for item in items]
            stored = dict(
                conn.execute(select(table.c[key], table.c.payload).where(table.c[key].in_(keys))).all()
            )
            fresh: dict[str, Registration] = {}
            for item in items:
                previous = stored.get(item.key, fresh[item.key].payload if item.key in fresh else None)
                if previous is None:
                    fresh[item.key] = item
                elif bytes(previous) == item.payload:
                    outcome.unchanged.append(item)
                else:
                    outcome.conflicts.append(item)
            if fresh:
                statement = insert(table).on_conflict_do_nothing(index_elements=[key])
                conn.execute(statement, [item.values for item in fresh.values()])
            outcome.registered = list(fresh.values())
        return outcome

    def merchant(self, merchant_id: str) -> MerchantRow | None:
        with self._engine.connect() as conn:
            table = MERCHANTS
            row = conn.execute(select(table).where(table.c.merchant_id == merchant_id)).first()
        return MerchantRow.model_validate(row._mapping) if row else None

    def merchants(
        self, after_id: str, limit: int, near: tuple[float, float] | None = None, radius_m: float = 0.0
    ) -> list[MerchantRow]:
        """Merchants by id after `after_id`; with `near`, only those within `radius_m` of that point."""
        table = MERCHANTS
        clauses = [table.c.merchant_id > after_id]
        if near is not None:
            lat, lon = near
            dlat = math.degrees(radius_m / EARTH_RADIUS_METERS)
            dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
            clauses += [table.c.latitude.between(lat - dlat, lat + dlat)]
            clauses += [table.c.longitude.between(lon - dlon, lon + dlon)]
        query = select(table).where(and_(*clauses)).order_by(table.c.merchant_id)
        results: list[MerchantRow] = []
        with self._engine.connect() as conn:
            for row in conn.execute(query):
                merchant = MerchantRow.model_validate(row._mapping)
                if near is None or haversine_meters(*near, merchant.latitude, merchant.longitude) <= radius_m:
                    results.append(merchant)
                    if len(results) >= limit:
                        break
        return results

    def device(self, device_id: str) -> DeviceRow | None:
        with self._engine.connect() as conn:
            table = DEVICES
            row = conn.execute(select(table).where(table.c.device_id == device_id)).first()
        return DeviceRow.model_validate(row._mapping) if row else None

    def devices(self, device_ids: Sequence[str]) -> dict[str, DeviceRow]:
        table = DEVICES
        with self._engine.connect() as conn:
            rows = conn.execute(select(table).where(table.c.device_id.in_(list(device_ids)))).all()
        return {r.device_id: DeviceRow.model_validate(r._mapping) for r in rows}
