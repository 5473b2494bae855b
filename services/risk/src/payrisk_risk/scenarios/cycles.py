"""Amount-consistent cycles: does the money of a link come back to its sender?

From every origin link u -> v, walk forward from v along links carrying an amount close to the origin's
(within `AMOUNT_BAND` in log terms, so a ring that keeps a small cut at each hop still counts) and not
further in time than the scale's horizon; a walk that can step back to u closes a cycle. All origins
advance together, one hop per round, as arrays; the first round that closes gives the shortest cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import Floats, Ints, unique_ints
from .graph import RelationGraph

# Links within this log-amount distance of the origin's carry "the same money" (about +-25%).
AMOUNT_BAND = float(np.log(1.25))
MAX_LENGTH = 8
# At most this many onward links are followed from one account in one round.
MAX_BRANCH = 8
# Bounds the work of one search; walks beyond it are dropped (cycles through hubs then go unseen).
MAX_WALKS = 2_000_000


@dataclass(frozen=True)
class Cycles:
    # Per origin: hops of the shortest cycle (3 or more), 0 when none.
    length: Ints
    # Per origin: change of log amount per hop from the origin link to the closing one.
    drift: Floats


def _expand(start: Ints, stop: Ints) -> tuple[Ints, Ints]:
    """For ranges [start, stop) capped at MAX_BRANCH: each element's range number and position."""
    counts = np.minimum(stop - start, MAX_BRANCH)
    owner = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts
    position = start[owner] + np.arange(int(counts.sum())) - first[owner]
    return owner.astype(np.int64)[:MAX_WALKS], position.astype(np.int64)[:MAX_WALKS]


def find_cycles(graph: RelationGraph, origins: Ints) -> Cycles:
    links = graph.links
    n_origins = max(len(origins), 1)
    length = np.zeros(len(origins), dtype=np.int64)
    drift = np.zeros(len(origins), dtype=np.float64)
    # A walk: which origin it serves and the account it has reached.
    walk = np.arange(len(origins), dtype=np.int64)
    node = links.dst[origins]
    for hops in range(2, MAX_LENGTH + 1):
        if len(walk) == 0:
            break
        origin = origins[walk]
        level = links.log_amount[origin]
        low, high = level - AMOUNT_BAND, level + AMOUNT_BAND
        if hops >= 3:
            back = graph.pair_of(node, links.src[origin])
            start, stop = graph.pair_by_amount.bounds(back, low, high)
            closes = stop > start
            fresh, first = np.unique(walk[closes], return_index=True)
            closing = graph.pair_by_amount.order[start[closes][first]]
            length[fresh] = hops
            drift[fresh] = (links.log_amount[closing] - links.log_amount[origins[fresh]]) / hops
            open_ = length[walk] == 0
            walk, node, origin, low, high = walk[open_], node[open_], origin[open_], low[open_], high[open_]
        if hops == MAX_LENGTH:
            break
        start, stop = graph.out_by_amount.bounds(node, low, high)
        owner, position = _expand(start, stop)
        step = graph.out_by_amount.order[position]
        origin = origin[owner]
        keep = (links.dst[step] != links.src[origin]) & (links.dst[step] != links.dst[origin])
        keep &= np.abs(links.time[step] - links.time[origin]) <= graph.scale.horizon
        # Walks of one origin that meet at the same account go on as one; ordered by account, the next
        # round's lookups run through the indexes in order, which is several times faster.
        keys = unique_ints(links.dst[step][keep] * n_origins + walk[owner][keep])
        node, walk = keys // n_origins, keys % n_origins
    return Cycles(length=length, drift=drift)


def cycle_path(graph: RelationGraph, origin: int) -> list[int]:
    """The links of the shortest cycle through one link, origin first; empty when there is none.

    The same search as find_cycles, for one origin, keeping the way back (for showing the cycle).
    """
    links = graph.links
    home, level, when = int(links.src[origin]), float(links.log_amount[origin]), float(links.time[origin])
    start_node = int(links.dst[origin])
    low, high = np.array([level - AMOUNT_BAND]), np.array([level + AMOUNT_BAND])
    # Per reached account, the links that led there from the origin's payee.
    paths: dict[int, list[int]] = {start_node: [origin]}
    frontier = [start_node]
    for hops in range(2, MAX_LENGTH + 1):
        for node in frontier:
            if hops < 3:
                break
            back = graph.pair_of(np.array([node]), np.array([home]))
            first, last = graph.pair_by_amount.bounds(back, low, high)
            if last[0] > first[0]:
                return [*paths[node], int(graph.pair_by_amount.order[first[0]])]
        if hops == MAX_LENGTH:
            break
        next_frontier = []
        for node in frontier:
            first, last = graph.out_by_amount.bounds(np.array([node]), low, high)
            for position in range(int(first[0]), int(min(last[0], first[0] + MAX_BRANCH))):
                step = int(graph.out_by_amount.order[position])
                target = int(links.dst[step])
                if (
                    target in paths
                    or target == home
                    or abs(float(links.time[step]) - when) > graph.scale.horizon
                ):
                    continue
                paths[target] = [*paths[node], step]
                next_frontier.append(target)
        frontier = next_frontier
    return []
