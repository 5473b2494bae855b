"""Relation element groups: the edges of the relation graph around one transfer, in four dimensions.

Each group is a source node, a target node and the edge's attributes. The transfer's feature values ride on
the groups they summarise, so every feature of the vector the transfer is matched with can be traced to
the edges it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .arrays import Floats
from .cycles import AMOUNT_BAND, cycle_path
from .features import DIMENSIONS, FEATURE_DIMENSIONS, FEATURE_NAMES
from .graph import RelationGraph
from .sorted_index import SortedIndex

# Neighbouring links shown per kind of neighbour (the features count all of them).
MAX_NEIGHBOURS = 10


@dataclass(frozen=True)
class RelationGroup:
    dimension: str
    source: str
    target: str
    attributes: dict[str, float] = field(default_factory=dict)


def _features(row: Floats, dimension: str, prefix: str) -> dict[str, float]:
    d = DIMENSIONS.index(dimension)
    return {
        name: float(row[i])
        for i, name in enumerate(FEATURE_NAMES)
        if FEATURE_DIMENSIONS[i] == d and name.startswith(prefix)
    }


class _Names:
    def __init__(self, graph: RelationGraph) -> None:
        self._graph = graph

    def account(self, index: int) -> str:
        return f"account:{self._graph.transfers.accounts.name(index)}"


def _neighbour_links(
    graph: RelationGraph, index: SortedIndex, account: int, level: float, pairs: set[int]
) -> list[int]:
    """Links of the account with an amount like `level`, other than those of the given pairs (as the
    features count them)."""
    start, stop = index.bounds(
        np.array([account]), np.array([level - AMOUNT_BAND]), np.array([level + AMOUNT_BAND])
    )
    # A busy merchant has thousands of similar inflows: look at a few more than are shown, not at all.
    stop_at = min(int(stop[0]), int(start[0]) + 5 * MAX_NEIGHBOURS)
    found = [int(index.order[p]) for p in range(int(start[0]), stop_at)]
    return [link for link in found if int(graph.links.pair[link]) not in pairs][:MAX_NEIGHBOURS]


def _link_group(graph: RelationGraph, names: _Names, link: int, origin: int, role: str) -> RelationGroup:
    links = graph.links
    return RelationGroup(
        dimension="social",
        source=names.account(int(links.src[link])),
        target=names.account(int(links.dst[link])),
        attributes={
            "transfers": float(links.count[link]),
            "amount_ratio": float(np.exp(links.log_amount[link] - links.log_amount[origin])),
            "time_offset": float(links.time[link] - links.time[origin]),
            role: 1.0,
        },
    )


def _social(graph: RelationGraph, names: _Names, link: int, row: Floats) -> list[RelationGroup]:
    links = graph.links
    src, dst, level = int(links.src[link]), int(links.dst[link]), float(links.log_amount[link])
    groups = [
        RelationGroup("social", names.account(src), names.account(dst), _features(row, "social", "so_"))
    ]
    neighbours = (
        ("payee_inflow", graph.in_by_amount, dst),
        ("payee_outflow", graph.out_by_amount, dst),
        ("payer_inflow", graph.in_by_amount, src),
        ("payer_outflow", graph.out_by_amount, src),
    )
    own = {int(links.pair[link]), int(graph.pair_of(np.array([dst]), np.array([src]))[0])}
    for role, index, account in neighbours:
        for other in _neighbour_links(graph, index, account, level, own):
            groups.append(_link_group(graph, names, other, link, role))
    for step in cycle_path(graph, link)[1:]:
        groups.append(_link_group(graph, names, step, link, "cycle"))
    for shared in graph.shared_counterparties(src, dst)[:MAX_NEIGHBOURS].tolist():
        for account in (src, dst):
            groups.append(
                RelationGroup(
                    "social", names.account(account), names.account(shared), {"shared_counterparty": 1.0}
                )
            )
    return groups


def _transaction(graph: RelationGraph, names: _Names, index: int, row: Floats) -> list[RelationGroup]:
    t = graph.transfers
    attributes = {"amount": float(t.amount[index]), "time": float(t.time[index])}
    attributes |= _features(row, "transaction", "tx_")
    groups = [
        RelationGroup(
            "transaction", names.account(int(t.payer[index])), names.account(int(t.payee[index])), attributes
        )
    ]
    c = t.context
    if c is not None and c.card[index] >= 0 and c.merchant[index] >= 0:
        groups.append(
            RelationGroup(
                "transaction",
                f"card:{c.cards.name(int(c.card[index]))}",
                f"merchant:{c.merchants.name(int(c.merchant[index]))}",
                {
                    "kind": float(c.kind[index]),
                    "offline": float(c.offline[index]),
                    "fee_rate": float(c.fee_rate[index]),
                },
            )
        )
    return groups


def _device(graph: RelationGraph, names: _Names, index: int, row: Floats) -> list[RelationGroup]:
    c = graph.transfers.context
    if c is None:
        return []
    payer = names.account(int(graph.transfers.payer[index]))
    values = _features(row, "device", "dv_")
    groups = []
    edges = (
        (c.device[index], c.devices, "device", payer, ("dv_device_payers", "dv_device_refund_share")),
        (c.ip[index], c.ips, "ip", payer, ("dv_ip_payers",)),
        (c.card[index], c.cards, "card", payer, ("dv_card_burst",)),
        (
            c.merchant[index],
            c.merchants,
            "merchant",
            payer,
            ("dv_merchant_payer_share", "dv_merchant_risky_share"),
        ),
    )
    for code, vocabulary, kind, source, keys in edges:
        if code >= 0:
            node = f"{kind}:{vocabulary.name(int(code))}"
            groups.append(RelationGroup("device", source, node, {k: values[k] for k in keys}))
    return groups


def _history(graph: RelationGraph, names: _Names, payer: int, link: int) -> list[RelationGroup]:
    """The payer's other links closest in time: its transfer history around this one."""
    links = graph.links
    start, stop = graph.out_by_time.bounds(np.array([payer]), np.array([-np.inf]), np.array([np.inf]))
    others = [int(graph.out_by_time.order[p]) for p in range(int(start[0]), int(stop[0]))]
    others = sorted(
        (o for o in others if o != link), key=lambda o: abs(float(links.time[o] - links.time[link]))
    )
    return [
        RelationGroup(
            "behaviour",
            names.account(payer),
            names.account(int(links.dst[other])),
            {
                "transfers": float(links.count[other]),
                "amount_ratio": float(np.exp(links.log_amount[other] - links.log_amount[link])),
                "time_offset": float(links.time[other] - links.time[link]),
            },
        )
        for other in others[:MAX_NEIGHBOURS]
    ]


def _behaviour(graph: RelationGraph, names: _Names, index: int, row: Floats) -> list[RelationGroup]:
    t = graph.transfers
    payer = int(t.payer[index])
    groups = [
        RelationGroup(
            "behaviour", names.account(payer), names.account(payer), _features(row, "behaviour", "bh_")
        ),
        *_history(graph, names, payer, int(graph.link_of[index])),
    ]
    c = t.context
    if c is not None and not np.isnan(c.latitude[index]):
        place = f"place:{c.latitude[index]:.4f},{c.longitude[index]:.4f}"
        groups.append(RelationGroup("behaviour", names.account(payer), place, {"hour": float(c.hour[index])}))
    return groups


def relation_groups(graph: RelationGraph, index: int, row: Floats) -> list[RelationGroup]:
    """The groups around transfer `index`, whose feature row is `row`."""
    names = _Names(graph)
    link = int(graph.link_of[index])
    return [
        *_transaction(graph, names, index, row),
        *_device(graph, names, index, row),
        *_behaviour(graph, names, index, row),
        *_social(graph, names, link, row),
    ]


def feature_vector(groups: list[RelationGroup]) -> Floats:
    """The feature vector the groups carry; a feature of a node the transfer lacks (no device) is 0."""
    found: dict[str, float] = {}
    for group in groups:
        found |= {k: v for k, v in group.attributes.items() if k in FEATURE_NAMES}
    return np.array([found.get(name, 0.0) for name in FEATURE_NAMES])
