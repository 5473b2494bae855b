"""Transaction dimension: the transfer itself and the burst it belongs to, against its two accounts' norms."""

from __future__ import annotations

import numpy as np
from payrisk.common.v1 import common_pb2

from ..arrays import Floats, Ints, safe_log
from ..graph import RelationGraph
from .units import LOG2

# (name, unit): a difference of one unit is one step of meaning (a factor of two, one more link, a flag).
FEATURES = (
    # Transfers of the same pair in the same burst (log).
    ("tx_repeats", LOG2),
    # Coefficient of variation of those transfers' amounts.
    ("tx_spread", 0.25),
    # Log ratio of the amount to what the payer, and the payee, move with everyone else (0 with no one else).
    ("tx_amount_vs_payer", LOG2),
    ("tx_amount_vs_payee", LOG2),
    # A sum of at most two significant digits, and one just below a round sum (within 5%).
    ("tx_round", 1.0),
    ("tx_below_round", 1.0),
    # Log ratio of the fee rate to the merchant's usual one.
    ("tx_fee_rate_vs_merchant", LOG2),
    ("tx_cash", 1.0),
    ("tx_transfer", 1.0),
    ("tx_refund", 1.0),
    ("tx_offline", 1.0),
)
NAMES = tuple(name for name, _ in FEATURES)
_CASH = (common_pb2.TRANSACTION_TYPE_WITHDRAWAL, common_pb2.TRANSACTION_TYPE_CASH_OUT)
_BELOW_ROUND = 0.05


def _significant_digits(cents: Ints) -> tuple[Ints, Ints]:
    """Digits and significant digits (trailing zeros dropped) of positive integers."""
    digits = np.floor(np.log10(np.maximum(cents, 1))).astype(np.int64) + 1
    trailing = np.zeros(len(cents), dtype=np.int64)
    rest = cents.copy()
    for _ in range(18):
        zero = (rest % 10 == 0) & (rest > 0)
        if not zero.any():
            break
        trailing += zero
        rest = np.where(zero, rest // 10, rest)
    return digits, digits - trailing


def roundness(amount: Floats) -> tuple[Floats, Floats]:
    """(round, just below round) flags, in any currency unit (hundredths are kept)."""
    cents = np.maximum(np.round(amount * 100), 1).astype(np.int64)
    digits, significant = _significant_digits(cents)
    leading = 10.0 ** (digits - 1)
    next_round = np.ceil(cents / leading) * leading
    gap = (next_round - cents) / cents
    round_: Floats = (significant <= 2).astype(np.float64)
    below: Floats = ((gap > 0) & (gap <= _BELOW_ROUND)).astype(np.float64)
    return round_, below


def compute(graph: RelationGraph, index: Ints) -> Floats:
    t = graph.transfers
    link = graph.link_of[index]
    log_amount = safe_log(t.amount[index])
    out = np.zeros((len(index), len(NAMES)))
    out[:, 0] = np.log(graph.links.count[link])
    out[:, 1] = graph.links.spread[link]
    pair = graph.links.pair[link]
    back = graph.pair_of(t.payee[index], t.payer[index])
    for column, account in ((2, t.payer[index]), (3, t.payee[index])):
        usual, others = graph.usual_log_amount(account, pair, back)
        out[:, column] = np.where(others > 0, log_amount - usual, 0.0)
    out[:, 4], out[:, 5] = roundness(t.amount[index])
    stats = graph.context_index
    if stats is not None:
        context = stats.context
        merchant = context.merchant[index]
        usual = stats.merchant_log_fee_rate[np.maximum(merchant, 0)]
        out[:, 6] = np.where(merchant >= 0, stats.log_fee_rate[index] - usual, 0.0)
        kind = context.kind[index]
        out[:, 7] = np.isin(kind, _CASH)
        out[:, 8] = kind == common_pb2.TRANSACTION_TYPE_TRANSFER
        out[:, 9] = kind == common_pb2.TRANSACTION_TYPE_REFUND
        out[:, 10] = context.offline[index]
    return out
