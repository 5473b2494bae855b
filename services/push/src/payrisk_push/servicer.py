"""PushService over gRPC: translation between protobuf and the push domain, nothing more."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk_runtime import InvalidArgument, caller
from payrisk_runtime.validation import Violations, check_id

from .access import TerminalDirectory, check_stream_is_its_own, check_terminal_is_itself
from .dismissals import Dismissals
from .mining.miner import Miner
from .notifications.notifier import Notifier
from .queries import MAX_LIMIT, push_query
from .recommend import Recommender
from .subscriptions import Subscriptions
from .topics import topics_of

Context = Any
MAX_NOTIFICATIONS = 1000


class PushServicer(push_pb2_grpc.PushServiceServicer):
    def __init__(
        self,
        subscriptions: Subscriptions,
        recommender: Recommender,
        notifier: Notifier,
        miner: Miner,
        dismissals: Dismissals,
        terminals: TerminalDirectory | None = None,
    ) -> None:
        self._subscriptions = subscriptions
        self._recommender = recommender
        self._notifier = notifier
        self._miner = miner
        self._dismissals = dismissals
        self._terminals = terminals

    async def UpdateSubscription(self, request: Any, context: Context) -> push_pb2.UpdateSubscriptionResponse:
        check_terminal_is_itself(caller(context), "subscriber_id", request.subscriber_id)
        tags = await asyncio.to_thread(
            self._subscriptions.update, request.subscriber_id, request.mode, list(request.tags)
        )
        return push_pb2.UpdateSubscriptionResponse(subscriber_id=request.subscriber_id, tags=tags)

    async def RequestPush(self, request: Any, context: Context) -> push_pb2.RequestPushResponse:
        check_terminal_is_itself(caller(context), "terminal_id", request.terminal_id)
        query = push_query(request)
        ranked = await self._recommender.recommend(query)
        locale = "zh-CN" if query.chinese else "en"
        # Built in place: a list of messages handed to the constructor would be copied once more.
        response = push_pb2.RequestPushResponse(cold_start=ranked.cold_start)
        add_object, add_content = response.objects.add, response.contents.add
        for p in ranked.picks:
            add_object(
                object_id=p.object_id, kind="merchant", title=p.title, score=p.score, reasons=p.reasons
            )
        for p in ranked.picks:
            if p.body is not None:
                add_content(object_id=p.object_id, title=p.title, body=p.body, deep_link=p.deep_link,
                            locale=locale)  # fmt: skip
        return response

    async def StreamNotifications(
        self, request: Any, context: Context
    ) -> AsyncIterator[push_pb2.StreamNotificationsResponse]:
        await check_stream_is_its_own(
            caller(context), self._terminals, request.terminal_id, request.merchant_id
        )
        async for notification in self._notifier.stream(request.terminal_id, request.merchant_id):
            yield push_pb2.StreamNotificationsResponse(notification=notification)

    async def AckNotification(self, request: Any, context: Context) -> push_pb2.AckNotificationResponse:
        check_terminal_is_itself(caller(context), "terminal_id", request.terminal_id)
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
        check_terminal_is_itself(caller(context), "subscriber_id", request.subscriber_id)
        v = Violations()
        check_id(v, "subscriber_id", request.subscriber_id)
        check_id(v, "object_id", request.object_id)
        v.raise_if_any()
        await asyncio.to_thread(self._dismissals.add, request.subscriber_id, request.object_id)
        return push_pb2.DismissObjectResponse()

    async def MineBills(self, request: Any, context: Context) -> push_pb2.MineBillsResponse:
        # Shielded: a caller that gives up does not stop a run half-way (it finishes, saves and publishes).
        run = await asyncio.shield(self._miner.mine())
        view = self._miner.view
        return push_pb2.MineBillsResponse(
            bills=run.bills, total_bills=view.bills, topics=view.topics, cursor=self._miner.cursor,
            merchants=view.merchants, users=len(view.users.bills),
        )  # fmt: skip

    async def ListTopics(self, request: Any, context: Context) -> push_pb2.ListTopicsResponse:
        if not 0 <= request.objects_per_topic <= MAX_LIMIT:
            raise InvalidArgument.field("objects_per_topic", f"must be between 1 and {MAX_LIMIT}")
        found = topics_of(self._miner.view, request.objects_per_topic or 10, request.locale or "zh-CN")
        return push_pb2.ListTopicsResponse(
            topics=[
                push_pb2.Topic(topic=t.topic, weight=t.weight, words=t.words,
                               objects=[push_pb2.PushObject(object_id=o.object_id, kind="merchant", title=o.title,
                                                            score=o.score) for o in t.objects])
                for t in found.topics
            ],
            tags=[push_pb2.TagTopics(tag=t.tag, bills=t.bills, topic_weights=t.weights) for t in found.tags],
            total_bills=found.bills,
        )  # fmt: skip
