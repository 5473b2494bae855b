"""Ranking business push objects for one request: candidates near the place, scores, a diverse pick."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..mining.arrays import Ints
from ..mining.environment import amount_band, time_band
from ..mining.view import View
from . import content
from .diversity import diverse
from .interest import interest_of
from .scoring import Situation, score

# Targeted content is made for this many of the top objects.
CONTENTS = 3


@dataclass(frozen=True)
class PushQuery:
    terminal_id: str
    user_id: str
    # The request's tags and the stored subscriptions of its terminal and user.
    tags: frozenset[str]
    place: tuple[float, float] | None
    epoch_seconds: float
    device_id: str
    mcc: str
    # The payment just made, when the push follows one.
    amount_minor: int | None
    chinese: bool
    limit: int


class Pick(NamedTuple):
    object_id: str
    title: str
    # Relative to the best pick (1.0).
    score: float
    reasons: list[str]
    deep_link: str
    # The targeted content's text: for the top CONTENTS picks only (None for the rest).
    body: str | None


@dataclass(frozen=True)
class Ranked:
    picks: list[Pick]
    # True when nothing personal was known and the ranking is popularity in this environment.
    cold_start: bool


def rank(view: View, query: PushQuery, dismissed: set[str]) -> Ranked:
    anchor = view.merchant_of_device(query.device_id or query.terminal_id)
    place, mcc = query.place, query.mcc
    if anchor is not None:
        # A terminal's own merchant tells where it is and what kind of place it is, when the request does not.
        if place is None and not math.isnan(view.latitude[anchor]):
            place = (float(view.latitude[anchor]), float(view.longitude[anchor]))
        mcc = mcc or view.mccs[anchor]
    interest = interest_of(view, query.tags, query.user_id, mcc)
    candidates = view.candidates(place)
    if not len(candidates):
        return Ranked([], cold_start=not interest.personal)
    situation = Situation(
        place,
        time_band(query.epoch_seconds),
        amount_band(query.amount_minor) if query.amount_minor is not None else None,
    )
    scores = score(candidates, interest, situation)
    excluded = [r for r in (view.merchant_row(m) for m in dismissed) if r is not None]
    if anchor is not None:
        excluded.append(anchor)  # not the shop the terminal stands in
    chosen = diverse(scores.total, candidates.mixes, _eligible(candidates.rows, excluded), query.limit)
    totals = scores.total[chosen]
    best = float(totals[0]) if len(chosen) else 1.0
    rows = candidates.rows[chosen]
    evidence = content.Evidence(
        tag_counts=view.tag_counts[rows],
        popularity=scores.popularity[chosen],
        average_popularity=1.0 / len(candidates),
        distance_km=scores.distance_km[chosen] if scores.distance_km is not None else None,
        personal=interest.personal,
    )
    explained = content.reasons(evidence, interest, query.chinese)
    titles = view.titles[query.chinese]
    picks = []
    for n, (row, why, total) in enumerate(zip(rows.tolist(), explained, totals.tolist(), strict=True)):
        object_id = view.merchant_ids[row]
        body = content.body(view.names[row], why, query.chinese) if n < CONTENTS else None
        relative = total / best if best > 0 else 0.0
        picks.append(Pick(object_id, titles[row], relative, why, content.deep_link(object_id), body))
    return Ranked(picks, cold_start=not interest.personal)


def _eligible(rows: Ints, excluded: list[int]) -> Ints | None:
    """Positions of the candidates not excluded (None: all of them)."""
    if not excluded:
        return None
    if len(excluded) == 1:
        eligible: Ints = np.flatnonzero(rows != excluded[0])
    else:
        eligible = np.flatnonzero(~np.isin(rows, excluded))
    return eligible
