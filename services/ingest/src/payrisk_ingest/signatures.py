"""ECDSA P-256 signatures of offline bills, checked against the device's registered key."""

from __future__ import annotations

from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key


class UnusableKey(ValueError):
    """The registered key is not an ECDSA P-256 public key."""


@lru_cache(maxsize=4096)
def load_device_key(public_key_pem: str) -> ec.EllipticCurvePublicKey:
    try:
        key = load_pem_public_key(public_key_pem.encode())
    except ValueError as exc:
        raise UnusableKey("not a PEM public key") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise UnusableKey("not an ECDSA P-256 key")
    return key


def signature_valid(public_key_pem: str, payload: bytes, signature: bytes) -> bool:
    try:
        load_device_key(public_key_pem).verify(signature, payload, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, UnusableKey, ValueError):
        return False
    return True


def sign(private_key: ec.EllipticCurvePrivateKey, payload: bytes) -> bytes:
    """How a terminal signs a bill (used by the synthetic data and by tests)."""
    return private_key.sign(payload, ec.ECDSA(hashes.SHA256()))
