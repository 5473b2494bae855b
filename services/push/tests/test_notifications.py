"""Notices reach connected terminals, wait for disconnected ones, and are redelivered until acknowledged."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk_push.app import start
from payrisk_runtime import field_violations


def frozen_notice(n: int = 1, **where) -> push_pb2.Notification:
    where = where or {"merchant_id": "m-1"}
    return push_pb2.Notification(
        notification_id=f"freeze-ins-{n}", kind=push_pb2.NOTIFICATION_KIND_FUNDS_FROZEN,
        title="资金已冻结 Funds frozen", body=f"Settlement ins-{n} is on hold", data={"freeze_id": f"fz-{n}"}, **where,
    )  # fmt: skip


async def next_notice(stream, wait: float = 5.0) -> push_pb2.Notification:
    response = await asyncio.wait_for(stream.read(), wait)
    return response.notification


async def test_a_connected_terminal_gets_the_notice_at_once_and_once_acknowledged_never_again(push):
    stream = push.StreamNotifications(
        push_pb2.StreamNotificationsRequest(terminal_id="t-1", merchant_id="m-1")
    )
    await asyncio.sleep(0.2)
    accepted = await push.Notify(push_pb2.NotifyRequest(notifications=[frozen_notice()]))
    assert accepted.accepted == 1
    notice = await next_notice(stream)
    assert (notice.notification_id, notice.delivery_attempt, notice.data["freeze_id"]) == (
        "freeze-ins-1",
        1,
        "fz-1",
    )
    await push.AckNotification(
        push_pb2.AckNotificationRequest(terminal_id="t-1", notification_id="freeze-ins-1")
    )
    stream.cancel()

    again = push.StreamNotifications(
        push_pb2.StreamNotificationsRequest(terminal_id="t-1", merchant_id="m-1")
    )
    await push.Notify(push_pb2.NotifyRequest(notifications=[frozen_notice(2)]))
    assert (await next_notice(again)).notification_id == "freeze-ins-2"
    again.cancel()


async def test_an_unacknowledged_notice_is_redelivered_on_reconnect_and_every_terminal_of_the_merchant_gets_it(
    push,
):
    await push.Notify(push_pb2.NotifyRequest(notifications=[frozen_notice()]))
    for terminal in ("t-1", "t-2"):
        stream = push.StreamNotifications(
            push_pb2.StreamNotificationsRequest(terminal_id=terminal, merchant_id="m-1")
        )
        assert (await next_notice(stream)).delivery_attempt == 1
        stream.cancel()
    stream = push.StreamNotifications(
        push_pb2.StreamNotificationsRequest(terminal_id="t-1", merchant_id="m-1")
    )
    redelivered = await next_notice(stream)
    assert (redelivered.notification_id, redelivered.delivery_attempt) == ("freeze-ins-1", 2)
    stream.cancel()


async def test_notices_survive_a_restart_of_push(push_app, push_settings):
    async with grpc.aio.insecure_channel(push_app.address) as channel:
        await push_pb2_grpc.PushServiceStub(channel).Notify(
            push_pb2.NotifyRequest(notifications=[frozen_notice()])
        )
    await push_app.stop()
    restarted = await start(push_settings)
    try:
        async with grpc.aio.insecure_channel(restarted.address) as channel:
            stub = push_pb2_grpc.PushServiceStub(channel)
            stream = stub.StreamNotifications(
                push_pb2.StreamNotificationsRequest(terminal_id="t-9", merchant_id="m-1")
            )
            assert (await next_notice(stream)).notification_id == "freeze-ins-1"
            stream.cancel()
    finally:
        await restarted.stop()


async def test_notify_is_idempotent_and_refuses_bad_items_by_field(push):
    first = await push.Notify(push_pb2.NotifyRequest(notifications=[frozen_notice()]))
    changed = frozen_notice()
    changed.body = "something else"
    bad = push_pb2.Notification(notification_id="n-bad", title="x")
    response = await push.Notify(push_pb2.NotifyRequest(notifications=[frozen_notice(), changed, bad]))
    assert (first.accepted, response.accepted, response.duplicates) == (1, 0, 1)
    assert [(e.index, e.field) for e in response.rejected] == [
        (1, "notifications[1].notification_id"),
        (2, "notifications[2].kind"),
    ]


async def test_acknowledging_an_unknown_notice_or_streaming_without_a_terminal_fails_clearly(push):
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await push.AckNotification(push_pb2.AckNotificationRequest(terminal_id="t-1", notification_id="nope"))
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as anonymous:
        await push.StreamNotifications(push_pb2.StreamNotificationsRequest()).read()
    assert anonymous.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(anonymous.value)] == ["terminal_id"]


async def test_a_thousand_connected_terminals_all_receive_a_merchant_notice(push):
    streams = [
        push.StreamNotifications(
            push_pb2.StreamNotificationsRequest(terminal_id=f"t-{i}", merchant_id="m-big")
        )
        for i in range(1000)
    ]
    await asyncio.sleep(1.5)
    await push.Notify(push_pb2.NotifyRequest(notifications=[frozen_notice(merchant_id="m-big")]))
    received = await asyncio.gather(*(next_notice(s, 30) for s in streams))
    assert {n.notification_id for n in received} == {"freeze-ins-1"}
    for s in streams:
        s.cancel()
