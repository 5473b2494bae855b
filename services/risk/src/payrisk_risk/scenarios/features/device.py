"""Device dimension: the terminal, network address, card and merchant a payment went through.

Only payrisk's own transactions carry these; for a graph of bare transfers the columns stay 0, and a
scenario learned from such a graph gives them no weight.
"""

from __future__ import annotations

import numpy as np

from ..arrays import Floats, Ints
from ..graph import RelationGraph
from .units import LOG2

# (name, unit): a difference of one unit is one step of meaning (a factor of two, one more link, a flag).
FEATURES = (
    # Different payers seen on the device, and behind the network address (log).
    ("dv_device_payers", LOG2),
    ("dv_ip_payers", LOG2),
    # Share of refunds among the device's payments around this one.
    ("dv_device_refund_share", 0.25),
    # Payments on the card around this one (log).
    ("dv_card_burst", LOG2),
    # Share of the merchant's payments that come from this payer (log).
    ("dv_merchant_payer_share", LOG2),
    # Share of the merchant's payments that are transfers, withdrawals or cash-outs.
    ("dv_merchant_risky_share", 0.25),
)
NAMES = tuple(name for name, _ in FEATURES)


def compute(graph: RelationGraph, index: Ints) -> Floats:
    out = np.zeros((len(index), len(NAMES)))
    stats = graph.context_index
    if stats is None:
        return out
    c = stats.context
    device, ip, card, merchant = c.device[index], c.ip[index], c.card[index], c.merchant[index]
    time = graph.transfers.time[index]
    low, high = time - graph.scale.burst, time + graph.scale.burst
    out[:, 0] = np.where(device >= 0, np.log1p(stats.device_payers[np.maximum(device, 0)]), 0.0)
    out[:, 1] = np.where(ip >= 0, np.log1p(stats.ip_payers[np.maximum(ip, 0)]), 0.0)
    around = stats.device_by_time.count(device, low, high)
    refunds = stats.refunds_by_time.count(device, low, high)
    out[:, 2] = np.where(around > 0, refunds / np.maximum(around, 1), 0.0)
    out[:, 3] = np.log1p(stats.card_by_time.count(card, low, high))
    known = merchant >= 0
    merchant_total = stats.merchant_transfers[np.maximum(merchant, 0)]
    payer_share = stats.payer_merchant_transfers(graph.transfers.payer[index], merchant) / np.maximum(
        merchant_total, 1
    )
    out[:, 4] = np.where(known, np.log(np.maximum(payer_share, 1e-6)), 0.0)
    out[:, 5] = np.where(known, stats.merchant_risky_share[np.maximum(merchant, 0)], 0.0)
    return out
