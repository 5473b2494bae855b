"""Merchant entities in bill texts: a merchant's bills share its name and differ in the item bought.

"永和便利店(春熙路店) 饮料 Yonghe Convenience Store (Chunxi Road) drinks" and "... 便当 ... bento" from the same
merchant give the name "永和便利店(春熙路店)" / "Yonghe Convenience Store (Chunxi Road)" and the items
"饮料" / "drinks" and "便当" / "bento".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import Ints
from .text import has_han, split_languages

# Texts of a merchant looked at to find its name and items: the most frequent.
TEXTS_CONSIDERED = 8
ITEMS_KEPT = 3
_PAIR = 2**32


@dataclass(frozen=True)
class MerchantName:
    zh: str
    en: str
    # Most bought first, as (Chinese, English).
    items: tuple[tuple[str, str], ...]

    def title(self, chinese: bool) -> str:
        return (self.zh or self.en) if chinese else (self.en or self.zh)


class MerchantTexts:
    """How many bills of each merchant carried each distinct text (document)."""

    def __init__(self) -> None:
        self.counts: dict[int, dict[int, int]] = {}
        # Worked out once: each document's description split into Chinese and other words (documents never
        # change), and each merchant's name with the texts it came from (the same texts give the same name).
        self._splits: dict[int, tuple[list[str], list[str]]] = {}
        self._named: dict[int, tuple[list[int], MerchantName]] = {}

    def observe(self, merchants: Ints, documents: Ints) -> None:
        pairs, counts = np.unique(merchants * _PAIR + documents, return_counts=True)
        for pair, count in zip(pairs.tolist(), counts.tolist(), strict=True):
            merchant, document = divmod(pair, _PAIR)
            texts = self.counts.setdefault(merchant, {})
            texts[document] = texts.get(document, 0) + count

    def name(self, merchant: int, descriptions: list[str]) -> MerchantName:
        """`descriptions[d]` is the description of document d."""
        texts = self.counts.get(merchant, {})
        top = sorted(texts, key=lambda d: -texts[d])[:TEXTS_CONSIDERED]
        named = self._named.get(merchant)
        if named is not None and named[0] == top:
            return named[1]
        splits = self._splits
        for d in top:
            if d not in splits:
                splits[d] = split_languages(descriptions[d])
        split = [splits[d] for d in top]
        zh_words = [zh for zh, _ in split]
        en_words = [en for _, en in split]
        zh_length = _name_length(zh_words)
        en_length = _name_length(en_words)
        items: list[tuple[str, str]] = []
        for zh, en in split:
            item = (" ".join(zh[zh_length:]), " ".join(en[en_length:]))
            if any(item) and item not in items:
                items.append(item)
        name = MerchantName(
            zh=" ".join(zh_words[0][:zh_length]) if zh_words else "",
            en=" ".join(en_words[0][:en_length]) if en_words else "",
            items=tuple(items[:ITEMS_KEPT]),
        )
        self._named[merchant] = (top, name)
        return name

    def pairs(self) -> tuple[Ints, Ints, Ints]:
        merchants, documents, counts = [], [], []
        for merchant, texts in self.counts.items():
            for document, count in texts.items():
                merchants.append(merchant)
                documents.append(document)
                counts.append(count)
        return (np.array(merchants, np.int64), np.array(documents, np.int64), np.array(counts, np.int64))

    @classmethod
    def from_pairs(cls, merchants: Ints, documents: Ints, counts: Ints) -> MerchantTexts:
        texts = cls()
        for merchant, document, count in zip(
            merchants.tolist(), documents.tolist(), counts.tolist(), strict=True
        ):
            texts.counts.setdefault(merchant, {})[document] = count
        return texts


def _name_length(texts: list[list[str]]) -> int:
    """Words of the name: the longest start the most frequent text shares with another one.

    With nothing to compare, a Chinese name is the first word (names have no spaces) and anything else is all
    of the text.
    """
    if not texts or not texts[0]:
        return 0
    first = texts[0]
    shared = [_common(first, other) for other in texts[1:] if other != first]
    best = max(shared, default=0)
    if best:
        return best
    return 1 if has_han(first[0]) else len(first)


def _common(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
