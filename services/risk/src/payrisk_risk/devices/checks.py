"""Verifying one bill: its signature, and its consistency with the device's registration and merchant.

Ingest refuses bills whose signature fails when they arrive; checking the stored ones again catches a
key re-registered since, or a store changed behind ingest's back. Sequence continuity is a property of the
whole sequence and is checked in sequence.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from payrisk.common.v1 import common_pb2

from .bills import DeviceBill

SIGNATURE = "signature"
SEQUENCE = "sequence"
DEVICE = "device"
MERCHANT = "merchant"
CATEGORY = "category"
LOCATION = "location"
TAGS = "tags"
TIME = "time"
# Every check a bill goes through, in a fixed order (the columns of the correlation).
CHECKS = (SIGNATURE, SEQUENCE, DEVICE, MERCHANT, CATEGORY, LOCATION, TAGS, TIME)
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Registration:
    device: common_pb2.Device
    # None when the device's merchant is not registered.
    merchant: common_pb2.Merchant | None
    # How far from its registered place a terminal may take a payment.
    max_distance_km: float = 1.0
    # How far ahead of the sync a bill's capture time may be (terminal clocks drift).
    max_clock_skew_seconds: int = 300


def distance_km(a: common_pb2.GeoPoint, b: common_pb2.GeoPoint) -> float:
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dp, dl = p2 - p1, math.radians(b.longitude - a.longitude)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))


def signature_valid(public_key_pem: str, payload: bytes, signature: bytes) -> bool:
    try:
        key = load_pem_public_key(public_key_pem.encode())
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
            return False
        key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _registered_point(registration: Registration) -> common_pb2.GeoPoint | None:
    device, merchant = registration.device, registration.merchant
    if device.HasField("location") and device.location.HasField("point"):
        return device.location.point
    if merchant is not None and merchant.registered_location.HasField("point"):
        return merchant.registered_location.point
    return None


def check_bill(bill: DeviceBill, registration: Registration) -> dict[str, str]:
    """The checks the bill fails, each with why (sequence excepted)."""
    device, merchant = registration.device, registration.merchant
    failures: dict[str, str] = {}
    if not signature_valid(device.public_key_pem, bill.payload, bill.signature):
        failures[SIGNATURE] = "does not verify with the device's registered key"
    content = bill.content
    if content is None:
        failures[DEVICE] = "the payload is not a bill"
        return failures
    tx = content.transaction
    if content.device_id != device.device_id or tx.device_id != device.device_id:
        failures[DEVICE] = f"claims device {content.device_id or tx.device_id!r}"
    if content.sequence != bill.sequence:
        failures[DEVICE] = f"carries sequence {content.sequence} but is stored as {bill.sequence}"
    if tx.merchant_id != device.merchant_id:
        failures[MERCHANT] = (
            f"paid to merchant {tx.merchant_id!r}, the device belongs to {device.merchant_id!r}"
        )
    if (
        merchant is not None
        and tx.merchant_category_code
        and merchant.merchant_category_code
        and tx.merchant_category_code != merchant.merchant_category_code
    ):
        failures[CATEGORY] = (
            f"category {tx.merchant_category_code}, the merchant is registered as "
            f"{merchant.merchant_category_code}"
        )
    registered = _registered_point(registration)
    if registered is not None and tx.HasField("location") and tx.location.HasField("point"):
        away = distance_km(registered, tx.location.point)
        if away > registration.max_distance_km:
            failures[LOCATION] = f"{away:.1f} km from the registered place"
    if device.business_tags and not set(tx.business_tags) <= set(device.business_tags):
        extra = sorted(set(tx.business_tags) - set(device.business_tags))
        failures[TAGS] = f"tags {', '.join(extra)} the device is not registered for"
    captured = content.captured_at.seconds if content.HasField("captured_at") else tx.occurred_at.seconds
    if device.HasField("registered_at") and captured < device.registered_at.seconds:
        failures[TIME] = "captured before the device was registered"
    elif bill.synced_at_seconds and captured > bill.synced_at_seconds + registration.max_clock_skew_seconds:
        failures[TIME] = "captured after it was synced"
    return failures
