"""What a push request is interested in, over tags and over topics, fused from everything known about it.

- Subscription tags: each tag with enough mined bills brings its own column and its topic distribution (the
  tag's features fused with those of its related topics).
- The user's own mined bills, weighted by how many there are.
- The category of the place the request comes from: what payers who pay there also pay for (weakly).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..mining.arrays import Floats, Floats32
from ..mining.view import TAG_SHARE, View
from ..vocabulary import TAG_INDEX, TAG_LIST, expand

# A tag needs this many mined bills before its topic distribution is trusted.
MIN_TAG_BILLS = 20
# A user's own bills count as much as their subscription once they have this many.
HISTORY_HALF_WEIGHT = 5.0
# How much the category of the current place shapes an otherwise personal interest.
PLACE_CATEGORY_WEIGHT = 0.15
# Sets of request tags whose interest a view remembers.
TAG_SETS_REMEMBERED = 4096


@dataclass(frozen=True)
class Interest:
    # Over tag columns then topic columns (the columns of View.evidence), weighted by how much each kind of
    # evidence counts (TAG_SHARE for tags); all zeros when nothing is known.
    wanted: Floats
    # Known subscription tags (groups expanded) that carried weight.
    subscribed: frozenset[str]
    history_bills: int
    # The user's usual amount bands, when known.
    amounts: Floats | None
    # `wanted` in the precision of the evidence it is weighed against.
    wanted32: Floats32 = field(init=False, repr=False)
    # The distribution over tag columns.
    tags: Floats = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Every request reads these more than once: made once (the dataclass is frozen, hence the setattr).
        object.__setattr__(self, "wanted32", self.wanted.astype(np.float32))
        object.__setattr__(self, "tags", self.wanted[: len(TAG_LIST)] / TAG_SHARE)

    @property
    def personal(self) -> bool:
        return bool(self.subscribed) or self.history_bills > 0


def interest_of(view: View, tags: frozenset[str], user_id: str, mcc: str) -> Interest:
    parts: list[tuple[float, Floats]] = []
    known, tag_wanted = tag_interest(view, tags) if tags else (frozenset(), None)
    if tag_wanted is not None:
        parts.append((1.0, tag_wanted))
    history, amounts = 0, None
    row = view.users.row(user_id)
    if row is not None:
        history = int(view.users.bills[row])
        parts.append((history / (history + HISTORY_HALF_WEIGHT), view.users.wanted[row]))
        amounts = view.users.amounts[row]
    if parts and mcc in view.mcc_wanted:
        parts.append((PLACE_CATEGORY_WEIGHT, view.mcc_wanted[mcc]))
    if not parts:
        return Interest(np.zeros(view.evidence.shape[1]), frozenset(), 0, None)
    if len(parts) == 1:
        wanted = parts[0][1]
    else:
        total = sum(w for w, _ in parts)
        wanted = sum((part * (w / total) for w, part in parts), np.zeros(view.evidence.shape[1]))
    return Interest(wanted, known, history, amounts)


def tag_interest(view: View, tags: frozenset[str]) -> tuple[frozenset[str], Floats | None]:
    """The tags (groups expanded) with enough mined bills, and the interest they make together (None: no
    such tag). Requests name the same few sets of tags over and over, so each set is worked out once per view."""
    found = view.tag_interests.get(tags)
    if found is None:
        known = sorted(t for t in expand(tags) if view.tag_bill_counts.get(t, 0) >= MIN_TAG_BILLS)
        wanted = view.tag_wanted[[TAG_INDEX[t] for t in known]].mean(axis=0) if known else None
        found = (frozenset(known), wanted)
        if len(view.tag_interests) >= TAG_SETS_REMEMBERED:
            view.tag_interests.clear()  # a bound against requests made up to fill memory; refilled at once
        view.tag_interests[tags] = found
    return found
