"""payrisk's own transactions (ingest's TransactionRecords) as transfers with their payment context.

The payee of a purchase is its merchant; of a transfer, the receiving account. Times are in days, the unit
PAYRISK_SCALE is written in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2

from .transfers import Context, Transfers, intern

SECONDS_PER_DAY = 86_400.0
# The label of confirmed fraud whose scenario nobody named.
UNNAMED = "fraud"


def _point(tx: common_pb2.Transaction) -> tuple[float, float]:
    if not tx.HasField("location") or not tx.location.HasField("point"):
        return float("nan"), float("nan")
    return tx.location.point.latitude, tx.location.point.longitude


def to_transfers(txs: Sequence[common_pb2.Transaction]) -> Transfers:
    accounts, vocabulary = intern([tx.payer_id for tx in txs] + [tx.payee_id or tx.merchant_id for tx in txs])
    n = len(txs)
    amount = np.array([max(tx.amount.minor_units, 1) for tx in txs], dtype=np.float64)
    seconds = np.array([tx.occurred_at.seconds + tx.occurred_at.nanos / 1e9 for tx in txs], dtype=np.float64)
    merchant, merchants = intern([tx.merchant_id for tx in txs])
    device, devices = intern([tx.device_id for tx in txs])
    ip, ips = intern([tx.ip_address for tx in txs])
    card, cards = intern([tx.card_id for tx in txs])
    points = np.array([_point(tx) for tx in txs], dtype=np.float64).reshape(n, 2)
    context = Context(
        merchant=merchant,
        device=device,
        ip=ip,
        card=card,
        kind=np.array([tx.type for tx in txs], dtype=np.int64),
        offline=np.array([tx.channel == common_pb2.CHANNEL_OFFLINE for tx in txs], dtype=bool),
        fee_rate=np.array([max(tx.fee.minor_units, 0) for tx in txs], dtype=np.float64) / amount,
        latitude=points[:, 0],
        longitude=points[:, 1],
        hour=((seconds // 3600) % 24).astype(np.int64),
        merchants=merchants,
        devices=devices,
        ips=ips,
        cards=cards,
    )
    return Transfers(
        ids=[tx.transaction_id for tx in txs],
        payer=accounts[:n],
        payee=accounts[n:],
        amount=amount,
        time=seconds / SECONDS_PER_DAY,
        accounts=vocabulary,
        context=context,
    )


def scenario_labels(records: Sequence[ingest_pb2.TransactionRecord]) -> list[str]:
    """Per record: its label's scenario for confirmed fraud (UNNAMED when none is given), else ""."""
    return [(r.label_scenario or UNNAMED) if r.label == common_pb2.FRAUD_LABEL_FRAUD else "" for r in records]
