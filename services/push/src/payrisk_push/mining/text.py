"""Words of a bill: Chinese segmented with jieba, English split on letters, plus its tags and category code."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN = re.compile(r"[a-z]{3,}")
_STOP = frozenset({"the", "and", "for", "with", "store", "shop", "店", "的"})


def bill_tokens(description: str, tags: list[str], mcc: str) -> list[str]:
    return list(_tokens(description, tuple(tags), mcc))


# Bills repeat themselves (the same shop, the same items), so segmenting each distinct text once is enough.
@lru_cache(maxsize=200_000)
def _tokens(description: str, tags: tuple[str, ...], mcc: str) -> tuple[str, ...]:
    text = description.lower()
    words = [w for chunk in _HAN.findall(text) for w in jieba.lcut(chunk) if len(w) > 1 or w not in _STOP]
    words += [w for w in _LATIN.findall(text) if w not in _STOP]
    return (*words, *(f"tag:{t}" for t in tags), f"mcc:{mcc}")
