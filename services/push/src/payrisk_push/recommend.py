"""Ranking business push objects for a request: relevance to the tags' topics, the environment, diversity."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from payrisk.push.v1 import push_pb2

from .mining import PushModel
from .mining.environment import Environment
from .vocabulary import expand

# Relevance against diversity in the maximal-marginal-relevance pick.
DIVERSITY = 0.3
# A tag needs this many mined bills before its topic mix is trusted over popularity.
MIN_TAG_BILLS = 20
NEARBY_KM = 8.0


@dataclass(frozen=True)
class Ranked:
    objects: list[push_pb2.PushObject]
    cold_start: bool


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat, dlon = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = (
        math.sin(dlat / 2) ** 2
        + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(dlon / 2) ** 2
    )
    return 12_742 * math.asin(min(1.0, math.sqrt(a)))


def rank(
    model: PushModel,
    tags: set[str],
    environment: Environment | None,
    place: tuple[float, float] | None,
    dismissed: set[str],
    limit: int,
) -> Ranked:
    candidates = [m for m in model.merchants if m not in dismissed]
    if not candidates:
        return Ranked([], True)
    known = [t for t in expand(tags) if model.tag_bills[t] >= MIN_TAG_BILLS]
    popularity: dict[str, int] = model.environment_counts.get(environment.key if environment else "", {}) or (
        model.environment_counts.get(environment.band, {}) if environment else {}
    )
    scores, reasons = {}, {}
    mixes = [mix for t in known if (mix := model.topic_mix(t)) is not None]
    interest = np.mean(mixes, axis=0) if mixes else None
    for merchant in candidates:
        profile = model.merchants[merchant]
        local = popularity.get(merchant, 0)
        score = math.log1p(local) / 5 + math.log1p(profile.bills) / 20
        why = []
        if interest is not None:
            relevance = float(
                np.dot(interest, model.merchant_mix(merchant))
                / (np.linalg.norm(interest) * np.linalg.norm(model.merchant_mix(merchant)) + 1e-12)
            )
            score += 2 * relevance
            shared = sorted(set(profile.tags) & expand(tags))
            why.append(
                f"matches your interests ({', '.join(shared)})" if shared else "similar to what you like"
            )
        if local:
            why.append(f"popular here at this time ({local} bills)")
        if place is not None:
            km = _distance_km(place[0], place[1], profile.latitude, profile.longitude)
            score *= math.exp(-km / NEARBY_KM)
            if km < 2:
                why.append(f"{km:.1f} km away")
        scores[merchant], reasons[merchant] = score, why or ["popular"]
    chosen = _diverse(model, sorted(candidates, key=lambda m: -scores[m])[: limit * 5], scores, limit)
    objects = [
        push_pb2.PushObject(
            object_id=m, kind="merchant", title=model.merchants[m].title, score=scores[m], reasons=reasons[m]
        )
        for m in chosen
    ]
    return Ranked(objects, cold_start=interest is None)


def _diverse(model: PushModel, pool: list[str], scores: dict[str, float], limit: int) -> list[str]:
    """Maximal marginal relevance: each pick trades its score against its likeness to those already picked."""
    chosen: list[str] = []
    top = max((scores[m] for m in pool), default=1.0) or 1.0
    while pool and len(chosen) < limit:

        def value(m: str) -> float:
            likeness = max((float(np.dot(model.merchant_mix(m), model.merchant_mix(c))) /
                            (np.linalg.norm(model.merchant_mix(m)) * np.linalg.norm(model.merchant_mix(c)) + 1e-12)
                            for c in chosen), default=0.0)  # fmt: skip
            return float((1 - DIVERSITY) * scores[m] / top - DIVERSITY * likeness)

        best = max(pool, key=value)
        chosen.append(best)
        pool.remove(best)
    return chosen


def content_for(obj: push_pb2.PushObject, locale: str) -> push_pb2.Content:
    chinese = locale.lower().startswith("zh")
    title = obj.title
    body = ("推荐：" if chinese else "Recommended: ") + "; ".join(obj.reasons)
    return push_pb2.Content(object_id=obj.object_id, title=title, body=body,
                            deep_link=f"payrisk://merchant/{obj.object_id}", locale="zh-CN" if chinese else "en")  # fmt: skip
