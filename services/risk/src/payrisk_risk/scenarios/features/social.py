"""Social dimension: the shape of the money's path around the transfer.

Who else sends the payee a similar amount (fan-in), whether the payee passes it on and the payer had it
from someone (a chain), whether it comes back to the payer (a cycle). Every count is of links, so a hop
repeated many times in a burst counts once, and of links like this one, so the counts do not grow with how
busy the accounts otherwise are: raw degrees or shares of an account's traffic would tie a scenario to the
density of the graph it was learned on. For that reason the counterparties the payer and payee share are
shown in the relation element groups but are not a feature: how many there are grows with both degrees.
"""

from __future__ import annotations

import numpy as np

from ..arrays import Floats, Ints
from ..cycles import AMOUNT_BAND, find_cycles
from ..graph import RelationGraph
from .units import LOG2

# (name, unit): a difference of one unit is one step of meaning (a factor of two, one more link, a flag).
FEATURES = (
    # Links of similar amount (log counts), excluding the pair's own.
    ("so_payee_inflow_similar", LOG2),
    ("so_payee_outflow_similar", LOG2),
    ("so_payer_inflow_similar", LOG2),
    ("so_payer_outflow_similar", LOG2),
    # Other senders to the payee around this moment (log).
    ("so_payee_senders_burst", LOG2),
    # The payee also pays the payer.
    ("so_reciprocal", 1.0),
    # The money comes back to the payer through three or more hops; its log amount change per hop.
    ("so_cycle", 1.0),
    ("so_cycle_drift", 0.05),
)
NAMES = tuple(name for name, _ in FEATURES)


def compute(graph: RelationGraph, index: Ints) -> Floats:
    links = graph.links
    link = graph.link_of[index]
    src, dst, level, when = links.src[link], links.dst[link], links.log_amount[link], links.time[link]
    low, high = level - AMOUNT_BAND, level + AMOUNT_BAND
    pair = links.pair[link]
    back = graph.pair_of(dst, src)
    own = graph.pair_by_amount.count(pair, low, high)
    own_back = np.where(back >= 0, graph.pair_by_amount.count(back, low, high), 0.0)
    out = np.zeros((len(index), len(NAMES)))
    out[:, 0] = np.log1p(graph.in_by_amount.count(dst, low, high) - own)
    out[:, 1] = np.log1p(graph.out_by_amount.count(dst, low, high) - own_back)
    out[:, 2] = np.log1p(graph.in_by_amount.count(src, low, high) - own_back)
    out[:, 3] = np.log1p(graph.out_by_amount.count(src, low, high) - own)
    burst = graph.scale.burst
    around = graph.in_by_time.count(dst, when - burst, when + burst)
    out[:, 4] = np.log1p(around - graph.pair_by_time.count(pair, when - burst, when + burst))
    out[:, 5] = back >= 0
    unique_links, inverse = np.unique(link, return_inverse=True)
    cycles = find_cycles(graph, unique_links)
    out[:, 6] = (cycles.length > 0)[inverse]
    out[:, 7] = cycles.drift[inverse]
    return out
