"""What mining found, for people to look at: topics with their words and push objects, tags' topic mixes."""

from __future__ import annotations

from dataclasses import dataclass

from .mining.view import View
from .vocabulary import TAG_LIST


@dataclass(frozen=True)
class TopicObject:
    object_id: str
    title: str
    # The merchant's share of the topic's bills.
    score: float


@dataclass(frozen=True)
class Topic:
    topic: int
    weight: float
    words: list[str]
    objects: list[TopicObject]


@dataclass(frozen=True)
class TagTopics:
    tag: str
    bills: int
    weights: list[float]


@dataclass(frozen=True)
class Topics:
    topics: list[Topic]
    tags: list[TagTopics]
    bills: int


def topics_of(view: View, objects_per_topic: int, locale: str) -> Topics:
    chinese = locale.lower().startswith("zh")
    total = float(view.topic_weights.sum()) or 1.0
    topics = []
    for k in range(view.topics if view.merchants else 0):
        mass = float(view.topic_weights[k]) or 1.0
        rows = view.topic_objects[k][:objects_per_topic]
        objects = [
            TopicObject(
                object_id=view.merchant_ids[r],
                title=view.titles[chinese][r],
                score=float(view.topic_counts[r, k]) / mass,
            )
            for r in rows.tolist()
        ]
        topics.append(Topic(k, float(view.topic_weights[k]) / total, view.topic_words[k], objects))
    tags = [
        TagTopics(tag, int(view.tag_bills[i]), view.tag_mixes[i].tolist())
        for i, tag in enumerate(TAG_LIST)
        if view.tag_bills[i] > 0
    ]
    return Topics(topics, tags, view.bills)
