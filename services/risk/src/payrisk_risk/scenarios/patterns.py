"""Recovering an AMLSim sample's laundering patterns from its account labels.

A transfer is part of a pattern when both accounts are in one (`isFraud`) and either the sender joined its
pattern at that very step or the pair repeats the transfer within the step, which is how AMLSim plays a
pattern out (a burst of transfers per hop). Accounts linked by such transfers form one pattern. The kind of
a transfer is the archive's declared kind, or, for an archive of several kinds, read from the shape around
it: money gathering at an account that passes none of it on is a fan-in, money passing through is a cycle
(or what AMLSim completed of one). Patterns that share accounts merge into one, so the shape is read per
transfer, not per pattern.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .amlsim import AmlsimSample
from .arrays import Bools, Ints

# Risky but of no recognisable kind (a lone transfer of a pattern cut short by the end of the sample).
UNKNOWN_KIND = "laundering"


@dataclass(frozen=True)
class Patterns:
    # Per transfer: the pattern it belongs to, or -1.
    pattern: Ints
    # Per transfer: its kind, "" for a normal transfer.
    transfer_kinds: list[str]
    # Per pattern: the kind most of its transfers have.
    kinds: list[str]

    @property
    def laundering(self) -> Bools:
        flags: Bools = self.pattern >= 0
        return flags

    def labels(self) -> list[str]:
        return self.transfer_kinds


def laundering_transfers(sample: AmlsimSample) -> Bools:
    t = sample.transfers
    fraud = sample.fraud_account
    time = t.time.astype(np.int64)
    both = fraud[t.payer] & fraud[t.payee] & (t.payer != t.payee)
    keys = np.stack([t.payer, t.payee, time])
    _, inverse, counts = np.unique(keys, axis=1, return_inverse=True, return_counts=True)
    repeated = counts[inverse.ravel()] >= 2
    flags: Bools = both & ((sample.joined_at[t.payer] == time) | repeated)
    return flags


def shape_kind(sources: Ints, targets: Ints) -> str:
    """The kind of one pattern from its distinct links: a ring or chain, many into one, or one into many."""
    pairs = np.unique(np.stack([sources, targets]), axis=1)
    nodes = np.union1d(pairs[0], pairs[1])
    fan_in = np.bincount(np.searchsorted(nodes, pairs[1]), minlength=len(nodes))
    fan_out = np.bincount(np.searchsorted(nodes, pairs[0]), minlength=len(nodes))
    if np.any((fan_in >= 1) & (fan_out >= 1)):
        return "cycle"
    if fan_in.max() >= 2:
        return "fan_in"
    if fan_out.max() >= 2:
        return "fan_out"
    return UNKNOWN_KIND


def local_kinds(sources: Ints, targets: Ints) -> list[str]:
    """The kind of each laundering transfer from the pattern links around it."""
    pairs = np.unique(np.stack([sources, targets]), axis=1)
    size = int(max(sources.max(initial=0), targets.max(initial=0))) + 1
    senders = np.bincount(pairs[1], minlength=size)
    receivers = np.bincount(pairs[0], minlength=size)
    kinds = []
    for u, v in zip(sources.tolist(), targets.tolist(), strict=True):
        if senders[v] >= 2 and receivers[v] == 0:
            kinds.append("fan_in")
        elif senders[u] >= 1 or receivers[v] >= 1:
            kinds.append("cycle")
        elif receivers[u] >= 2:
            kinds.append("fan_out")
        else:
            kinds.append(UNKNOWN_KIND)
    return kinds


def find_patterns(sample: AmlsimSample) -> Patterns:
    t = sample.transfers
    flags = laundering_transfers(sample)
    src, dst = t.payer[flags], t.payee[flags]
    n = t.n_accounts
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    ids, pattern_of_flagged = np.unique(component[src], return_inverse=True)
    pattern = np.full(len(t), -1, dtype=np.int64)
    pattern[flags] = pattern_of_flagged
    declared = sample.declared_kinds
    if len(declared) == 1:
        flagged_kinds = [declared[0]] * len(src)
    else:
        flagged_kinds = [k if not declared or k in declared else UNKNOWN_KIND for k in local_kinds(src, dst)]
    transfer_kinds = [""] * len(t)
    for i, kind in zip(np.flatnonzero(flags).tolist(), flagged_kinds, strict=True):
        transfer_kinds[i] = kind
    by_pattern: list[Counter[str]] = [Counter() for _ in range(len(ids))]
    for p, kind in zip(pattern_of_flagged.tolist(), flagged_kinds, strict=True):
        by_pattern[p][kind] += 1
    return Patterns(pattern, transfer_kinds, [c.most_common(1)[0][0] for c in by_pattern])
