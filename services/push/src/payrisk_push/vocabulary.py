"""The subscription tags terminals and users may choose: business categories and the groups they belong to."""

from __future__ import annotations

GROUPS: dict[str, tuple[str, ...]] = {
    "food": ("restaurant", "fast_food", "bakery"),
    "daily": ("grocery", "convenience"),
    "mobility": ("fuel", "transit", "taxi"),
    "shopping": ("clothing", "electronics", "online_shopping"),
    "services": ("pharmacy", "education", "utilities"),
    "leisure": ("cinema", "hotel"),
    "finance": ("transfer", "cash"),
}
# What a tag is called in a push's content, in Chinese and in English.
LABELS: dict[str, tuple[str, str]] = {
    "food": ("餐饮", "food"),
    "restaurant": ("餐厅", "restaurants"),
    "fast_food": ("快餐", "fast food"),
    "bakery": ("烘焙", "bakeries"),
    "daily": ("日常购物", "daily shopping"),
    "grocery": ("超市", "groceries"),
    "convenience": ("便利店", "convenience stores"),
    "mobility": ("出行", "getting around"),
    "fuel": ("加油", "fuel"),
    "transit": ("公共交通", "public transport"),
    "taxi": ("打车", "taxis"),
    "shopping": ("购物", "shopping"),
    "clothing": ("服饰", "fashion"),
    "electronics": ("数码", "electronics"),
    "online_shopping": ("网购", "online shopping"),
    "services": ("生活服务", "services"),
    "pharmacy": ("药房", "pharmacies"),
    "education": ("教育", "education"),
    "utilities": ("生活缴费", "utilities"),
    "leisure": ("休闲", "leisure"),
    "cinema": ("电影", "cinema"),
    "hotel": ("酒店", "hotels"),
    "finance": ("金融", "finance"),
    "transfer": ("转账", "transfers"),
    "cash": ("现金", "cash"),
}
# Fixed order: tag i is column i of every per-tag table.
TAG_LIST: tuple[str, ...] = tuple(LABELS)
TAGS = frozenset(TAG_LIST)
TAG_INDEX = {tag: i for i, tag in enumerate(TAG_LIST)}


def expand(tags: set[str] | frozenset[str]) -> set[str]:
    """A group tag stands for its members too."""
    return set(tags) | {member for tag in tags for member in GROUPS.get(tag, ())}


def label(tag: str, chinese: bool) -> str:
    zh, en = LABELS.get(tag, (tag, tag))
    return zh if chinese else en
