"""Why an object is pushed, and the content shown for it, in Chinese or English."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..mining.arrays import Floats, Floats32
from ..mining.names import MerchantName
from ..vocabulary import GROUPS, TAG_LIST, label
from .interest import Interest

# Within this distance, the distance is worth saying.
CLOSE_KM = 3.0
# Popular here and now: at least this many times the average candidate's share.
POPULAR_FACTOR = 3.0
_LEAF = np.array([0.0 if t in GROUPS else 0.5 for t in TAG_LIST])


@dataclass(frozen=True)
class Evidence:
    """What is known about the picks (one row or element each), to explain them."""

    tag_counts: Floats32
    popularity: Floats
    average_popularity: float
    distance_km: Floats | None
    personal: bool


def reasons(evidence: Evidence, interest: Interest, chinese: bool) -> list[list[str]]:
    picks = len(evidence.popularity)
    said: list[list[str]] = [[] for _ in range(picks)]
    if evidence.personal and interest.tags.any():
        present = evidence.tag_counts > 0
        matched = np.where(interest.tags > 0, evidence.tag_counts + _LEAF * present, 0)
        best = np.argmax(matched, axis=1).tolist()
        any_match = (matched.max(axis=1) > 0).tolist()
        for i in range(picks):
            if any_match[i]:
                tag = label(TAG_LIST[best[i]], chinese)
                said[i].append(f"符合你的兴趣：{tag}" if chinese else f"matches your interest in {tag}")
            elif interest.history_bills:
                said[i].append("与你常去的地方相似" if chinese else "like the places you usually pay at")
            else:
                said[i].append("与你的兴趣相关" if chinese else "related to your interests")
    popular = (evidence.popularity >= POPULAR_FACTOR * evidence.average_popularity).tolist()
    close = evidence.distance_km.tolist() if evidence.distance_km is not None else [math.inf] * picks
    for i in range(picks):
        if popular[i]:
            said[i].append("此时段附近热门" if chinese else "popular nearby at this time")
        if close[i] < CLOSE_KM:
            said[i].append(f"距你 {close[i]:.1f} 公里" if chinese else f"{close[i]:.1f} km away")
        if not said[i]:
            said[i].append("附近热门" if chinese else "popular nearby")
    return said


def body(name: MerchantName, why: list[str], chinese: bool) -> str:
    items = [zh or en for zh, en in name.items] if chinese else [en or zh for zh, en in name.items]
    text = ("；" if chinese else "; ").join(why)
    if items:
        text += f"。热门：{'、'.join(items)}" if chinese else f". Popular: {', '.join(items)}"
    return text


def deep_link(object_id: str) -> str:
    return f"payrisk://merchant/{object_id}"
