"""A client identity of a Fabric organisation: its MSP id, X.509 certificate and ECDSA P-256 key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from .protos import identities_pb2

# The order of the P-256 group: Fabric accepts only signatures with s <= n/2 ("low-S"), so that a signature
# cannot be turned into a second valid one by negating s.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def low_s(signature_der: bytes) -> bytes:
    """The same signature with s normalised to the lower half of the group order, DER-encoded."""
    r, s = decode_dss_signature(signature_der)
    if s > P256_ORDER // 2:
        s = P256_ORDER - s
    return encode_dss_signature(r, s)


@dataclass(frozen=True, slots=True)
class SigningIdentity:
    # The certificate and key never show in a repr (and so in no log line or error built from one).
    msp_id: str
    certificate_pem: bytes = field(repr=False)
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)

    @classmethod
    def from_files(cls, msp_id: str, cert_path: Path | str, key_path: Path | str) -> SigningIdentity:
        # Failures name the organisation, not the files: where the identity is kept is nobody else's business.
        try:
            key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
            certificate = Path(cert_path).read_bytes()
        except (OSError, ValueError, TypeError) as error:
            raise ValueError(f"the Fabric client identity of {msp_id} cannot be loaded") from error
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
            raise ValueError(f"the Fabric client key of {msp_id} is not an ECDSA P-256 private key")
        return cls(msp_id, certificate, key)

    def creator(self) -> bytes:
        """The serialized msp.SerializedIdentity that headers and requests name as their creator."""
        return bytes(
            identities_pb2.SerializedIdentity(
                mspid=self.msp_id, id_bytes=self.certificate_pem
            ).SerializeToString()
        )

    def sign(self, message: bytes) -> bytes:
        """ECDSA over SHA-256 of message, low-S, DER: what peers and orderers verify."""
        return low_s(self.private_key.sign(message, ec.ECDSA(hashes.SHA256())))
