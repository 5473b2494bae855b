"""Push requests answered: the stored subscriptions and dismissals of the terminal and user, then the ranking.

Ranking reads the miner's current view and runs on the event loop: it takes well under a millisecond, less than
handing it to a thread would cost.
"""

from __future__ import annotations

import asyncio
import dataclasses

from .dismissals import Dismissals
from .mining.miner import Miner
from .ranking.ranker import PushQuery, Ranked, rank
from .subscriptions import Subscriptions


class Recommender:
    def __init__(self, miner: Miner, subscriptions: Subscriptions, dismissals: Dismissals) -> None:
        self._miner = miner
        self._subscriptions = subscriptions
        self._dismissals = dismissals

    async def recommend(self, query: PushQuery) -> Ranked:
        tags = query.tags
        for subscriber in filter(None, (query.terminal_id, query.user_id)):
            known = self._subscriptions.cached(subscriber)
            if known is None:
                known = await asyncio.to_thread(self._subscriptions.tags, subscriber)
            if not known <= tags:
                tags = tags | known
        dismissed = self._dismissals.cached(query.terminal_id, query.user_id)
        if dismissed is None:
            dismissed = await asyncio.to_thread(self._dismissals.of, query.terminal_id, query.user_id)
        if tags is not query.tags:
            query = dataclasses.replace(query, tags=tags)
        return rank(self._miner.view, query, dismissed)
