"""Ranking business push objects for a request: relevance to the tags' topics, the environment, diversity."""

from __future__ import annotations

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


def rank(
    model: PushModel,
    tags: set[str],
    environment: Environment | None,
    place: tuple[float, float] | None,
    dismissed: set[str],
    limit: int,
) -> Ranked:
    arrays = model.arrays()
    ids, mixes = arrays.ids, arrays.mixes
    keep = np.array([m not in dismissed for m in ids], dtype=bool)
    if not keep.any():
        return Ranked([], True)
    wanted = expand(tags)
    known = [t for t in wanted if model.tag_bills[t] >= MIN_TAG_BILLS]
    popularity: dict[str, int] = {}
    if environment is not None:
        popularity = (
            model.environment_counts.get(environment.key)
            or model.environment_counts.get(environment.band)
            or {}
        )
    local = np.array([popularity.get(m, 0) for m in ids], dtype=float)
    bills = np.array([model.merchants[m].bills for m in ids], dtype=float)
    scores = np.log1p(local) / 5 + np.log1p(bills) / 20
    tag_mixes = [mix for t in known if (mix := model.topic_mix(t)) is not None]
    interest = np.mean(tag_mixes, axis=0) if tag_mixes else None
    if interest is not None:
        scores = scores + 2 * mixes @ (interest / np.linalg.norm(interest))
    distances = None
    if place is not None:
        lat, lon = arrays.latitude, arrays.longitude
        here_lat, here_lon = np.radians(place[0]), np.radians(place[1])
        a = (
            np.sin((lat - here_lat) / 2) ** 2
            + np.cos(here_lat) * np.cos(lat) * np.sin((lon - here_lon) / 2) ** 2
        )
        distances = 12_742 * np.arcsin(np.minimum(1.0, np.sqrt(a)))
        scores = scores * np.exp(-distances / NEARBY_KM)
    scores = np.where(keep, scores, -np.inf)
    pool = [int(i) for i in np.argsort(-scores)[: limit * 5] if keep[i]]
    chosen = _diverse(mixes, pool, scores, limit)
    objects = []
    for i in chosen:
        profile = model.merchants[ids[i]]
        why = []
        if interest is not None:
            shared = sorted(set(profile.tags) & wanted)
            why.append(
                f"matches your interests ({', '.join(shared)})" if shared else "similar to what you like"
            )
        if local[i]:
            why.append(f"popular here at this time ({int(local[i])} bills)")
        if distances is not None and distances[i] < 2:
            why.append(f"{distances[i]:.1f} km away")
        objects.append(push_pb2.PushObject(object_id=ids[i], kind="merchant", title=profile.title,
                                           score=float(scores[i]), reasons=why or ["popular"]))  # fmt: skip
    return Ranked(objects, cold_start=interest is None)


def _diverse(mixes: np.ndarray, pool: list[int], scores: np.ndarray, limit: int) -> list[int]:
    """Maximal marginal relevance: each pick trades its score against its likeness to those already picked."""
    chosen: list[int] = []
    if not pool:
        return chosen
    top = float(scores[pool[0]]) or 1.0
    relevance = scores[pool] / top
    likeness = np.zeros(len(pool))
    remaining = np.ones(len(pool), dtype=bool)
    pool_mixes = mixes[pool]
    while remaining.any() and len(chosen) < limit:
        value = np.where(remaining, (1 - DIVERSITY) * relevance - DIVERSITY * likeness, -np.inf)
        best = int(np.argmax(value))
        chosen.append(pool[best])
        remaining[best] = False
        likeness = np.maximum(likeness, pool_mixes @ pool_mixes[best])
    return chosen


def content_for(obj: push_pb2.PushObject, locale: str) -> push_pb2.Content:
    chinese = locale.lower().startswith("zh")
    title = obj.title
    body = ("推荐：" if chinese else "Recommended: ") + "; ".join(obj.reasons)
    return push_pb2.Content(object_id=obj.object_id, title=title, body=body,
                            deep_link=f"payrisk://merchant/{obj.object_id}", locale="zh-CN" if chinese else "en")  # fmt: skip
