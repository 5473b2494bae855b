"""Device keys derived from the seed, and deterministic signatures, so a data set is the same every time."""

from __future__ import annotations

import numpy as np
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

# Order of the P-256 group; a private key is a number in [1, order).
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
# RFC 6979: the same key and bytes always give the same signature, so regenerated bills are duplicates.
DETERMINISTIC_ECDSA = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)


class DeviceKeyring:
    """The private key of every device, made on first use (most uses of the data never sign anything)."""

    def __init__(self, rng: np.random.Generator, count: int) -> None:
        self._secrets = [int.from_bytes(rng.bytes(32), "big") % (P256_ORDER - 1) + 1 for _ in range(count)]
        self._keys: dict[int, ec.EllipticCurvePrivateKey] = {}

    def __len__(self) -> int:
        return len(self._secrets)

    def private_key(self, device: int) -> ec.EllipticCurvePrivateKey:
        key = self._keys.get(device)
        if key is None:
            key = self._keys[device] = ec.derive_private_key(self._secrets[device], ec.SECP256R1())
        return key

    def public_key_pem(self, device: int) -> str:
        return public_key_pem(self.private_key(device))


def public_key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(key: ec.EllipticCurvePrivateKey, payload: bytes) -> bytes:
    """ECDSA P-256 over SHA-256 of the payload, DER encoded, as a terminal signs a bill."""
    return key.sign(payload, DETERMINISTIC_ECDSA)
