"""Statistics of the payment context (devices, merchants, addresses, cards, places, hours), built once
per graph for the device and behaviour features of payrisk's own transactions."""

from __future__ import annotations

import numpy as np
from payrisk.common.v1 import common_pb2

from .arrays import Floats, Ints, distinct_count, group_count, group_mean
from .sorted_index import SortedIndex
from .transfers import Context, Transfers

_RISKY_KINDS = (
    common_pb2.TRANSACTION_TYPE_TRANSFER,
    common_pb2.TRANSACTION_TYPE_WITHDRAWAL,
    common_pb2.TRANSACTION_TYPE_CASH_OUT,
)
HOURS = 24
# Fee rates are compared in log terms; a waived fee is a rate of this much, not minus infinity.
FEE_FLOOR = 1e-4


def _size(codes: Ints) -> int:
    return int(codes.max(initial=-1)) + 1


def _known(codes: Ints) -> Ints:
    """Unknown (-1) codes folded onto 0 for indexing; callers mask them out."""
    folded: Ints = np.maximum(codes, 0)
    return folded


def _median_per_group(group: Ints, value: Floats, size: int) -> Floats:
    """The median of each group's values, ignoring NaN (NaN for a group without any)."""
    valid = ~np.isnan(value)
    g, v = group[valid], value[valid]
    order = np.lexsort((v, g))
    g, v = g[order], v[order]
    counts = np.bincount(g, minlength=size)
    first = np.cumsum(counts) - counts
    medians = np.full(size, np.nan)
    present = counts > 0
    medians[present] = v[first[present] + counts[present] // 2]
    return medians


class ContextIndex:
    def __init__(self, transfers: Transfers, context: Context) -> None:
        payer, time = transfers.payer, transfers.time
        n_accounts = transfers.n_accounts
        c = context
        self.context = c
        self.device_payers = distinct_count(_known(c.device), payer, _size(c.device) + 1)
        self.ip_payers = distinct_count(_known(c.ip), payer, _size(c.ip) + 1)
        self.device_by_time = SortedIndex(c.device, time)
        refunds = c.kind == common_pb2.TRANSACTION_TYPE_REFUND
        self.refunds_by_time = SortedIndex(np.where(refunds, c.device, -1), time)
        self.card_by_time = SortedIndex(c.card, time)
        merchants = _size(c.merchant) + 1
        self.merchant_transfers = group_count(_known(c.merchant), merchants)
        self.merchant_risky_share = group_mean(
            _known(c.merchant), np.isin(c.kind, _RISKY_KINDS).astype(np.float64), merchants
        )
        self.log_fee_rate = np.log(c.fee_rate + FEE_FLOOR)
        self.merchant_log_fee_rate = group_mean(_known(c.merchant), self.log_fee_rate, merchants)
        pair_keys = payer * merchants + _known(c.merchant)
        self._payer_merchant_keys, counts = np.unique(pair_keys, return_counts=True)
        self._payer_merchant_counts = counts.astype(np.float64)
        self._merchants = merchants
        hour_keys = payer * HOURS + c.hour
        self._hour_keys, hour_counts = np.unique(hour_keys, return_counts=True)
        self._hour_counts = hour_counts.astype(np.float64)
        self.home_latitude = _median_per_group(payer, c.latitude, n_accounts)
        self.home_longitude = _median_per_group(payer, c.longitude, n_accounts)

    def _lookup(self, keys: Ints, sorted_keys: Ints, counts: Floats) -> Floats:
        position = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
        found: Floats = np.where(sorted_keys[position] == keys, counts[position], 0.0)
        return found

    def payer_merchant_transfers(self, payer: Ints, merchant: Ints) -> Floats:
        keys = payer * self._merchants + _known(merchant)
        return self._lookup(keys, self._payer_merchant_keys, self._payer_merchant_counts)

    def payer_hour_transfers(self, payer: Ints, hour: Ints) -> Floats:
        """The payer's transfers in the given hour of the day and the hour either side."""
        total = np.zeros(len(payer))
        for shift in (-1, 0, 1):
            keys = payer * HOURS + (hour + shift) % HOURS
            total += self._lookup(keys, self._hour_keys, self._hour_counts)
        return total
