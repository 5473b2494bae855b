"""Valid messages for tests, with overridable fields."""

from __future__ import annotations

import time
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from payrisk.common.v1 import common_pb2
from payrisk_ingest.signatures import sign

NOW = int(time.time())


def transaction(n: int = 1, **overrides: Any) -> common_pb2.Transaction:
    tx = common_pb2.Transaction(
        transaction_id=f"tx-{n}",
        merchant_id=overrides.pop("merchant_id", "m-1"),
        payer_id=f"payer-{n % 7}",
        payee_id="m-1",
        device_id="dev-1",
        card_id=f"card-{n % 5}",
        amount=common_pb2.Money(currency_code="CNY", minor_units=1000 + n),
        fee=common_pb2.Money(currency_code="CNY", minor_units=6),
        type=common_pb2.TRANSACTION_TYPE_PURCHASE,
        channel=common_pb2.CHANNEL_ONLINE,
        ip_address="10.1.2.3",
        business_tags=["food"],
        description="午餐 lunch",
        merchant_category_code="5812",
    )
    tx.occurred_at.FromSeconds(overrides.pop("occurred_at", NOW - 3600 + n))
    for key, value in overrides.items():
        if isinstance(value, common_pb2.Money):
            getattr(tx, key).CopyFrom(value)
        else:
            setattr(tx, key, value)
    return tx


def merchant(
    merchant_id: str = "m-1", lat: float = 31.23, lon: float = 121.47, **overrides: Any
) -> common_pb2.Merchant:
    m = common_pb2.Merchant(
        merchant_id=merchant_id,
        name="上海小吃 Shanghai Snacks",
        registered_location=common_pb2.Location(
            country_code="CN", city="Shanghai", point=common_pb2.GeoPoint(latitude=lat, longitude=lon)
        ),
        registered_capital=common_pb2.Money(currency_code="CNY", minor_units=50_000_000),
        registration_type="company",
        merchant_category_code="5812",
    )
    for key, value in overrides.items():
        setattr(m, key, value)
    return m


class Terminal:
    """A payment terminal with its own key, signing offline bills in sequence."""

    def __init__(self, device_id: str = "dev-1", merchant_id: str = "m-1") -> None:
        self.device_id = device_id
        self.merchant_id = merchant_id
        self.key = ec.generate_private_key(ec.SECP256R1())

    def device(self) -> common_pb2.Device:
        pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return common_pb2.Device(
            device_id=self.device_id, merchant_id=self.merchant_id, public_key_pem=pem.decode(), model="T1"
        )

    def bill(
        self, sequence: int, *, bill_id: str | None = None, tx_id: str | None = None
    ) -> common_pb2.OfflineBill:
        payload = common_pb2.OfflineBillPayload(
            bill_id=bill_id or f"{self.device_id}-bill-{sequence}",
            device_id=self.device_id,
            sequence=sequence,
            transaction=transaction(
                sequence,
                transaction_id=tx_id or f"{self.device_id}-tx-{sequence}",
                device_id=self.device_id,
                merchant_id=self.merchant_id,
                channel=common_pb2.CHANNEL_OFFLINE,
            ),
        )
        payload.captured_at.FromSeconds(NOW - 60)
        data = payload.SerializeToString()
        return common_pb2.OfflineBill(payload=data, signature=sign(self.key, data))
