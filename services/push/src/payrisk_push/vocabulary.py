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
TAGS = frozenset(GROUPS) | frozenset(tag for members in GROUPS.values() for tag in members)


def expand(tags: set[str]) -> set[str]:
    """A group tag stands for its members too."""
    return tags | {member for tag in tags for member in GROUPS.get(tag, ())}
