"""PushService over gRPC: translation between protobuf and the push domain, nothing more."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk_runtime import InvalidArgument
from payrisk_runtime.validation import Violations, check_geo_point, check_id, valid_timestamp

from .dismissals import Dismissals
from .mining import environment_of
from .mining.miner import Miner
from .notifications import Notifier
from .recommend import content_for, rank
from .subscriptions import Subscriptions, check_tags

Context = Any
MAX_LIMIT = 100
MAX_NOTIFICATIONS = 1000


class PushServicer(push_pb2_grpc.PushServiceServicer):
    def __init__(
        self, subscriptions: Subscriptions, notifier: Notifier, miner: Miner, dismissals: Dismissals
    ) -> None:
        self._subscriptions = subscriptions
        self._notifier = notifier
        self._miner = miner
        self._dismissals = dismissals

    async def UpdateSubscription(self, request: Any, context: Context) -> push_pb2.UpdateSubscriptionResponse:
        tags = await asyncio.to_thread(
            self._subscriptions.update, request.subscriber_id, request.mode, list(request.tags)
        )
        return push_pb2.UpdateSubscriptionResponse(subscriber_id=request.subscriber_id, tags=tags)

    async def RequestPush(self, request: Any, context: Context) -> push_pb2.RequestPushResponse:
        v = Violations()
        check_id(v, "terminal_id", request.terminal_id)
        check_id(v, "user_id", request.user_id, required=False)
        check_tags(v, "subscription_tags", list(request.subscription_tags))
        if not 0 <= request.limit <= MAX_LIMIT:
            v.add("limit", f"must be between 1 and {MAX_LIMIT}")
        env = request.environment
        if env.HasField("place"):
            check_geo_point(v, "environment.place", env.place)
        if env.HasField("time") and not valid_timestamp(env.time.seconds, env.time.nanos):
            v.add("environment.time", "is not a valid timestamp")
        v.raise_if_any()
        tags = set(request.subscription_tags)
        for subscriber in filter(None, (request.terminal_id, request.user_id)):
            known = self._subscriptions.cached(subscriber)
            tags |= (
                known if known is not None else await asyncio.to_thread(self._subscriptions.tags, subscriber)
            )
        place = (env.place.latitude, env.place.longitude) if env.HasField("place") else None
        when = env.time.seconds if env.HasField("time") else time.time()
        environment = environment_of(place[0], place[1], when, env.merchant_category_code) if place else None
        dismissed = self._dismissals.cached(request.terminal_id, request.user_id)
        if dismissed is None:
            dismissed = await asyncio.to_thread(self._dismissals.of, request.terminal_id, request.user_id)
        ranked = rank(self._miner.model, tags, environment, place, dismissed, request.limit or 10)
        contents = [content_for(o, env.locale or "zh-CN") for o in ranked.objects[:3]]
        return push_pb2.RequestPushResponse(
            objects=ranked.objects, contents=contents, cold_start=ranked.cold_start
        )

    async def StreamNotifications(
        self, request: Any, context: Context
    ) -> AsyncIterator[push_pb2.StreamNotificationsResponse]:
        async for notification in self._notifier.stream(request.terminal_id, request.merchant_id):
            yield push_pb2.StreamNotificationsResponse(notification=notification)

    async def AckNotification(self, request: Any, context: Context) -> push_pb2.AckNotificationResponse:
        await self._notifier.ack(request.terminal_id, request.notification_id)
        return push_pb2.AckNotificationResponse()

    async def Notify(self, request: Any, context: Context) -> push_pb2.NotifyResponse:
        if len(request.notifications) > MAX_NOTIFICATIONS:
            raise InvalidArgument.field("notifications", f"at most {MAX_NOTIFICATIONS} per request")
        outcome = await self._notifier.notify(list(request.notifications))
        return push_pb2.NotifyResponse(
            accepted=len(outcome.accepted), duplicates=outcome.duplicates, rejected=outcome.rejected
        )

    async def DismissObject(self, request: Any, context: Context) -> push_pb2.DismissObjectResponse:
        v = Violations()
        check_id(v, "subscriber_id", request.subscriber_id)
        check_id(v, "object_id", request.object_id)
        v.raise_if_any()
        await asyncio.to_thread(self._dismissals.add, request.subscriber_id, request.object_id)
        return push_pb2.DismissObjectResponse()

    async def MineBills(self, request: Any, context: Context) -> push_pb2.MineBillsResponse:
        mined = await self._miner.mine()
        return push_pb2.MineBillsResponse(
            bills=mined, total_bills=self._miner.model.bills, topics=self._miner.model.topics
        )
