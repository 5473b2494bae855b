"""Words of a bill: Chinese segmented with jieba, English split on letters, plus its tags and category code.

A bill's description is usually a merchant name and an item, in Chinese, English or both
("永和便利店(春熙路店) 饮料 Yonghe Convenience Store (Chunxi Road) drinks").
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN = re.compile(r"[a-z]{3,}")
# A branch in brackets names a place, which the environment covers better than words.
_BRANCH = re.compile(r"[(（][^)）]*[)）]")
_STOP = frozenset({"the", "and", "for", "with", "store", "shop", "店", "的"})


def bill_tokens(description: str, tags: tuple[str, ...], mcc: str) -> list[str]:
    text = _BRANCH.sub(" ", description.lower())
    words = [w for chunk in _HAN.findall(text) for w in _segmented(chunk)]
    words += [w for w in _LATIN.findall(text) if w not in _STOP]
    return [*words, *(f"tag:{t}" for t in tags), f"mcc:{mcc}"]


# The same runs of Chinese recur across many bills (brand, shop type, branch, item), so each is cut once.
@lru_cache(maxsize=100_000)
def _segmented(chunk: str) -> tuple[str, ...]:
    return tuple(w for w in jieba.lcut(chunk) if w not in _STOP)


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


def split_languages(description: str) -> tuple[list[str], list[str]]:
    """The description's Chinese words and its other words, each in order (split on spaces)."""
    chinese: list[str] = []
    other: list[str] = []
    for word in description.split():
        (chinese if has_han(word) else other).append(word)
    return chinese, other
