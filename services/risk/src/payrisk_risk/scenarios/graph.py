"""The relation graph over a set of transfers: links, indexes and per-account statistics.

Transfers between the same two accounts within one burst window are collapsed into a link (count, mean
amount, spread), which is how a pattern shows up however many times each hop was repeated. The indexes
answer the questions every feature asks: which links of an account carry a similar amount, which arrived
within a window of time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.sparse import csr_matrix

from .arrays import Floats, Ints, group_count, group_mean, group_std, safe_log
from .context_index import ContextIndex
from .sorted_index import SortedIndex
from .transfers import Transfers


@dataclass(frozen=True)
class TimeScale:
    """How a source's clock relates to the patterns: both in the source's own time unit."""

    # Half-width of the window of "the same moment" (a burst).
    burst: float = 0.5
    # How far apart in time the hops of one cycle may be.
    horizon: float = math.inf


# AMLSim counts time in steps and lets a pattern span the whole simulation.
AMLSIM_SCALE = TimeScale(burst=0.5, horizon=math.inf)
# payrisk's transfers are timed in days; rings and fan-ins play out within days.
PAYRISK_SCALE = TimeScale(burst=0.5, horizon=7.0)


@dataclass(frozen=True)
class Links:
    src: Ints
    dst: Ints
    pair: Ints
    count: Floats
    log_amount: Floats
    # Coefficient of variation of the collapsed transfers' amounts.
    spread: Floats
    time: Floats

    def __len__(self) -> int:
        return len(self.src)


def _collapse(transfers: Transfers, scale: TimeScale) -> tuple[Links, Ints, Ints]:
    """Links, each transfer's link, and the distinct (src, dst) pairs as an array of keys."""
    bucket = np.floor(transfers.time / (2 * scale.burst)).astype(np.int64)
    keys = np.stack([transfers.payer, transfers.payee, bucket])
    unique, inverse = np.unique(keys, axis=1, return_inverse=True)
    link_of = inverse.ravel().astype(np.int64)
    n = unique.shape[1]
    amount_mean = group_mean(link_of, transfers.amount, n)
    spread = group_std(link_of, transfers.amount, n) / np.maximum(amount_mean, 1e-12)
    n_accounts = max(transfers.n_accounts, 1)
    pair_keys = unique[0] * n_accounts + unique[1]
    pair_values, pair = np.unique(pair_keys, return_inverse=True)
    links = Links(
        src=unique[0].astype(np.int64),
        dst=unique[1].astype(np.int64),
        pair=pair.ravel().astype(np.int64),
        count=group_count(link_of, n),
        log_amount=safe_log(amount_mean),
        spread=spread,
        time=group_mean(link_of, transfers.time, n),
    )
    return links, link_of, pair_values.astype(np.int64)


def _burstiness(actor: Ints, time: Floats, size: int) -> Floats:
    """Goh and Barabási's burstiness of each actor's inter-event times, in [-1, 1]; 0 with too few events."""
    order = np.lexsort((time, actor))
    a, t = actor[order], time[order]
    same = a[1:] == a[:-1]
    gaps, owner = (t[1:] - t[:-1])[same], a[1:][same]
    mean, std = group_mean(owner, gaps, size), group_std(owner, gaps, size)
    enough = group_count(owner, size) >= 2
    total = mean + std
    result: Floats = np.where(enough & (total > 0), (std - mean) / np.where(total > 0, total, 1.0), 0.0)
    return result


class RelationGraph:
    """Immutable once built; the context statistics and the id lookup are built on first use."""

    def __init__(self, transfers: Transfers, scale: TimeScale) -> None:
        self.transfers = transfers
        self.scale = scale
        self.links, self.link_of, self._pair_keys = _collapse(transfers, scale)
        n = transfers.n_accounts
        links = self.links
        self.out_by_amount = SortedIndex(links.src, links.log_amount)
        self.in_by_amount = SortedIndex(links.dst, links.log_amount)
        self.pair_by_amount = SortedIndex(links.pair, links.log_amount)
        self.in_by_time = SortedIndex(links.dst, links.time)
        self.out_by_time = SortedIndex(links.src, links.time)
        self.pair_by_time = SortedIndex(links.pair, links.time)
        log_amount = safe_log(transfers.amount)
        both = np.concatenate([transfers.payer, transfers.payee])
        # Sums over each account's transfers, in and out, and over each pair's, to compare an amount with
        # what the accounts move with everyone else.
        self.account_log_sum = np.bincount(
            both, weights=np.concatenate([log_amount, log_amount]), minlength=n
        )
        self.account_transfers = group_count(both, n)
        transfer_pair = links.pair[self.link_of]
        self.pair_log_sum = np.bincount(transfer_pair, weights=log_amount, minlength=len(self._pair_keys))
        self.out_transfers = group_count(transfers.payer, n)
        self.pair_transfers = np.bincount(links.pair, weights=links.count, minlength=len(self._pair_keys))
        self.out_burstiness = _burstiness(transfers.payer, transfers.time, n)

    @cached_property
    def counterparties(self) -> csr_matrix:
        """Who deals with whom, either way: accounts by accounts, 1 where any link joins them."""
        n = max(self.transfers.n_accounts, 1)
        links = self.links
        other = links.src != links.dst
        rows = np.concatenate([links.src[other], links.dst[other]])
        cols = np.concatenate([links.dst[other], links.src[other]])
        matrix = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        matrix.data[:] = 1.0
        return matrix

    def shared_counterparties(self, a: int, b: int) -> Ints:
        """The accounts both `a` and `b` deal with."""
        both = self.counterparties[a].multiply(self.counterparties[b]).tocsr()
        shared: Ints = np.sort(both.indices).astype(np.int64)
        return shared

    def pair_of(self, src: Ints, dst: Ints) -> Ints:
        """The pair id of src -> dst, or -1 when no link joins them."""
        keys = src * max(self.transfers.n_accounts, 1) + dst
        position = np.searchsorted(self._pair_keys, keys)
        found = (position < len(self._pair_keys)) & (
            self._pair_keys[np.minimum(position, len(self._pair_keys) - 1)] == keys
        )
        pairs: Ints = np.where(found, position, -1).astype(np.int64)
        return pairs

    def usual_log_amount(self, account: Ints, pair: Ints, back: Ints) -> tuple[Floats, Floats]:
        """Mean log amount of the account's transfers with anyone but the pair's two accounts, and how
        many there are (`pair`, `back`: the pair and its reverse, -1 for none)."""
        total = self.account_log_sum[account].copy()
        count = self.account_transfers[account].copy()
        # A transfer to oneself is its own reverse; it is taken out once.
        back = np.where(back == pair, -1, back)
        for p in (pair, back):
            known = p >= 0
            total[known] -= self.pair_log_sum[p[known]]
            count[known] -= self.pair_transfers[p[known]]
        mean: Floats = np.where(count > 0, total / np.maximum(count, 1), 0.0)
        return mean, count

    @cached_property
    def context_index(self) -> ContextIndex | None:
        context = self.transfers.context
        return ContextIndex(self.transfers, context) if context is not None else None

    @cached_property
    def index_of(self) -> dict[str, int]:
        return {transfer_id: i for i, transfer_id in enumerate(self.transfers.ids)}
