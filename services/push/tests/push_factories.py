"""Offline bills and notices for push's tests."""

from __future__ import annotations

import datetime as dt

from payrisk.common.v1 import common_pb2
from payrisk.push.v1 import push_pb2

# A Wednesday, 12:30 in Shanghai.
NOON = int(dt.datetime(2026, 3, 4, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp())
SHANGHAI = (31.2304, 121.4737)


def bill(
    merchant_id: str,
    description: str,
    tags: tuple[str, ...],
    mcc: str,
    *,
    payer_id: str = "p-1",
    device_id: str = "",
    when: int = NOON,
    place: tuple[float, float] = SHANGHAI,
    amount_minor: int = 3500,
) -> common_pb2.Transaction:
    tx = common_pb2.Transaction(
        transaction_id=f"tx-{merchant_id}-{payer_id}-{when}",
        merchant_id=merchant_id,
        payer_id=payer_id,
        device_id=device_id or f"{merchant_id}-t1",
        business_tags=list(tags),
        description=description,
        merchant_category_code=mcc,
        channel=common_pb2.CHANNEL_OFFLINE,
        amount=common_pb2.Money(currency_code="CNY", minor_units=amount_minor),
    )
    tx.occurred_at.seconds = when
    tx.location.point.latitude, tx.location.point.longitude = place
    return tx


def frozen_notice(n: int = 1, **where: str) -> push_pb2.Notification:
    where = where or {"merchant_id": "m-1"}
    return push_pb2.Notification(
        notification_id=f"freeze-ins-{n}", kind=push_pb2.NOTIFICATION_KIND_FUNDS_FROZEN,
        title="资金已冻结 Funds frozen", body=f"Settlement ins-{n} is on hold", data={"freeze_id": f"fz-{n}"}, **where,
    )  # fmt: skip
