"""One hand-made suspicious merchant and one honest neighbourhood, for the demo and the end-to-end tests.

The shell company is registered far from any other merchant, thinly capitalised, with an unusual legal
form, and in two days it moves near-limit transfers and cash-outs for three mule accounts without fees:
every registration fact and indicator a settlement review looks at points the same way. Its terminal has
a key, so it can sync offline bills and receive the freeze notice.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from payrisk.common.v1 import common_pb2

DAY = 86_400


@dataclass(frozen=True)
class Showcase:
    shell_merchant_id: str
    shell_terminal_id: str
    honest_merchant_id: str
    merchants: list[common_pb2.Merchant]
    devices: list[common_pb2.Device]
    transactions: list[common_pb2.Transaction]
    terminal_key: ec.EllipticCurvePrivateKey


def _merchant(
    merchant_id: str, name: str, lat: float, lon: float, capital: int, kind: str
) -> common_pb2.Merchant:
    return common_pb2.Merchant(
        merchant_id=merchant_id,
        name=name,
        registered_location=common_pb2.Location(
            country_code="CN", city="", point=common_pb2.GeoPoint(latitude=lat, longitude=lon)
        ),
        registered_capital=common_pb2.Money(currency_code="CNY", minor_units=capital),
        registration_type=kind,
        merchant_category_code="5812",
    )


def _payment(
    transaction_id: str,
    merchant_id: str,
    device_id: str,
    payer: str,
    amount: int,
    fee: int,
    at: int,
    kind: int,
) -> common_pb2.Transaction:
    tx = common_pb2.Transaction(
        transaction_id=transaction_id,
        merchant_id=merchant_id,
        payer_id=payer,
        payee_id=merchant_id,
        device_id=device_id,
        card_id=f"{payer}-card",
        amount=common_pb2.Money(currency_code="CNY", minor_units=amount),
        fee=common_pb2.Money(currency_code="CNY", minor_units=fee),
        type=kind,  # type: ignore[arg-type]
        channel=common_pb2.CHANNEL_ONLINE,
        ip_address="10.1.2.3",
        business_tags=["food"],
        description="午餐 lunch",
        merchant_category_code="5812",
    )
    tx.location.point.latitude, tx.location.point.longitude = 31.23, 121.47
    tx.occurred_at.FromSeconds(at)
    return tx


def showcase(prefix: str, now: int, key: ec.EllipticCurvePrivateKey | None = None) -> Showcase:
    """Ids start with `prefix`, so that runs against a ledger that keeps its data do not collide."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    shell, honest, terminal = f"{prefix}-shell", f"{prefix}-bistro", f"{prefix}-shell-pos"
    merchants = [
        _merchant(shell, "远方贸易 Faraway Trading", 43.9, 87.6, 500_000, "shell_offshore"),
        _merchant(honest, "弄堂小馆 Lane Bistro", 31.23, 121.47, 50_000_000, "company"),
        *[
            _merchant(
                f"{prefix}-near-{i}", f"邻居 Neighbour {i}", 31.23 + i * 0.001, 121.47, 20_000_000, "company"
            )
            for i in range(3)
        ],
    ]
    devices = [
        common_pb2.Device(device_id=terminal, merchant_id=shell, public_key_pem=pem.decode()),
        common_pb2.Device(device_id=f"{prefix}-bistro-pos", merchant_id=honest, public_key_pem=pem.decode()),
    ]
    risky_kinds = (common_pb2.TRANSACTION_TYPE_CASH_OUT, common_pb2.TRANSACTION_TYPE_TRANSFER)
    transactions = [
        _payment(
            f"{shell}-{i}", shell, terminal, f"{prefix}-mule-{i % 3}", 4_990_000 - i * 100, 0,
            now - 2 * DAY + i * 600, risky_kinds[i % 2],
        )
        for i in range(12)
    ] + [
        _payment(
            f"{honest}-{i}", honest, f"{prefix}-bistro-pos", f"{prefix}-diner-{i % 9}", 2_000 + 37 * i, 12,
            now - 2 * DAY + i * 1800, common_pb2.TRANSACTION_TYPE_PURCHASE,
        )
        for i in range(30)
    ]  # fmt: skip
    return Showcase(shell, terminal, honest, merchants, devices, transactions, key)
