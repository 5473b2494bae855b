"""Registering merchants and devices."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from payrisk.common.v1 import common_pb2
from payrisk_runtime.validation import Violations

from .signatures import UnusableKey, load_device_key
from .store import Registration, RegistrationOutcome, RegistryStore
from .validation import device_violations, merchant_violations


def _rejections(
    outcome: RegistrationOutcome, invalid: list[common_pb2.ItemError], what: str
) -> list[common_pb2.ItemError]:
    conflicts = [
        common_pb2.ItemError(
            index=item.index,
            id=item.key,
            field=f"{what}[{item.index}]",
            description=f"{item.key} is already registered with different content",
            code=common_pb2.ITEM_ERROR_CODE_CONFLICT,
        )
        for item in outcome.conflicts
    ]
    return sorted(invalid + conflicts, key=lambda e: e.index)


def _invalid(index: int, key: str, violations: Violations) -> common_pb2.ItemError:
    first = violations.items[0]
    return common_pb2.ItemError(
        index=index,
        id=key,
        field=first.field,
        description=first.description,
        code=common_pb2.ITEM_ERROR_CODE_INVALID,
    )


async def register_merchants(
    store: RegistryStore, merchants: Sequence[common_pb2.Merchant]
) -> tuple[RegistrationOutcome, list[common_pb2.ItemError]]:
    items, invalid = [], []
    for index, m in enumerate(merchants):
        violations = merchant_violations(m, f"merchants[{index}]")
        if violations:
            invalid.append(_invalid(index, m.merchant_id, violations))
            continue
        point = m.registered_location.point
        values = {
            "merchant_id": m.merchant_id,
            "latitude": point.latitude,
            "longitude": point.longitude,
            "registered_capital_minor": m.registered_capital.minor_units,
            "capital_currency": m.registered_capital.currency_code,
            "registration_type": m.registration_type,
            "payload": m.SerializeToString(deterministic=True),
        }
        items.append(Registration(index, m.merchant_id, values["payload"], values))  # type: ignore[arg-type]
    outcome = await asyncio.to_thread(store.register_merchants, items)
    return outcome, _rejections(outcome, invalid, "merchants")


async def register_devices(
    store: RegistryStore, devices: Sequence[common_pb2.Device]
) -> tuple[RegistrationOutcome, list[common_pb2.ItemError]]:
    items, invalid = [], []
    known_merchants = await asyncio.to_thread(
        lambda: {d.merchant_id for d in devices if store.merchant(d.merchant_id) is not None}
    )
    for index, d in enumerate(devices):
        violations = device_violations(d, f"devices[{index}]")
        if d.public_key_pem:
            try:
                load_device_key(d.public_key_pem)
            except UnusableKey as exc:
                violations.add(f"devices[{index}].public_key_pem", str(exc))
        if violations:
            invalid.append(_invalid(index, d.device_id, violations))
            continue
        if d.merchant_id not in known_merchants:
            invalid.append(
                common_pb2.ItemError(
                    index=index,
                    id=d.device_id,
                    field=f"devices[{index}].merchant_id",
                    description="unknown merchant",
                    code=common_pb2.ITEM_ERROR_CODE_UNKNOWN_REFERENCE,
                )
            )
            continue
        payload = d.SerializeToString(deterministic=True)
        values = {
            "device_id": d.device_id,
            "merchant_id": d.merchant_id,
            "public_key_pem": d.public_key_pem,
            "payload": payload,
            "last_sequence": 0,
        }
        items.append(Registration(index, d.device_id, payload, values))
    outcome = await asyncio.to_thread(store.register_devices, items)
    return outcome, _rejections(outcome, invalid, "devices")
