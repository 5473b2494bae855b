"""Notices reach connected terminals, wait for disconnected ones, and are redelivered until acknowledged."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from payrisk.common.v1 import common_pb2
from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk_push.app import start
from payrisk_runtime import field_violations
from push_factories import frozen_notice


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
    both = frozen_notice(3, merchant_id="m-1", terminal_id="t-1")
    response = await push.Notify(push_pb2.NotifyRequest(notifications=[frozen_notice(), changed, bad, both]))
    assert (first.accepted, response.accepted, response.duplicates) == (1, 0, 1)
    assert [(e.index, e.field, e.code) for e in response.rejected] == [
        (1, "notifications[1].notification_id", common_pb2.ITEM_ERROR_CODE_CONFLICT),
        (2, "notifications[2].kind", common_pb2.ITEM_ERROR_CODE_INVALID),
        (3, "notifications[3].merchant_id", common_pb2.ITEM_ERROR_CODE_INVALID),
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


def stream_of(push, terminal: str, merchant: str = "m-1"):
    return push.StreamNotifications(
        push_pb2.StreamNotificationsRequest(terminal_id=terminal, merchant_id=merchant)
    )


async def test_a_notice_for_one_terminal_reaches_only_it_and_only_it_can_acknowledge_it(push):
    mine, other = stream_of(push, "t-1"), stream_of(push, "t-2")
    await asyncio.sleep(0.2)
    await push.Notify(push_pb2.NotifyRequest(notifications=[frozen_notice(7, terminal_id="t-1")]))
    assert (await next_notice(mine)).notification_id == "freeze-ins-7"
    with pytest.raises(asyncio.TimeoutError):
        await next_notice(other, wait=0.5)
    with pytest.raises(grpc.aio.AioRpcError) as foreign:
        await push.AckNotification(
            push_pb2.AckNotificationRequest(terminal_id="t-2", notification_id="freeze-ins-7")
        )
    assert foreign.value.code() == grpc.StatusCode.NOT_FOUND
    mine.cancel()
    other.cancel()


@pytest.fixture
async def quick_push(push_settings):
    """Push that redelivers after a fraction of a second and keeps only two new notices per stream in memory."""
    app = await start(push_settings.model_copy(update={"redelivery_seconds": 0.3, "stream_queue_size": 2}))
    async with grpc.aio.insecure_channel(app.address) as channel:
        yield app, push_pb2_grpc.PushServiceStub(channel)
    await app.stop()


async def test_a_connected_terminal_is_sent_an_unacknowledged_notice_again_until_it_acknowledges(quick_push):
    _, push = quick_push
    stream = stream_of(push, "t-1")
    await push.Notify(push_pb2.NotifyRequest(notifications=[frozen_notice()]))
    attempts = [(await next_notice(stream)).delivery_attempt for _ in range(3)]
    assert attempts == [1, 2, 3]
    await push.AckNotification(
        push_pb2.AckNotificationRequest(terminal_id="t-1", notification_id="freeze-ins-1")
    )
    # At most one more copy may have been on its way when the acknowledgement arrived; then nothing.
    late = await asyncio.wait_for(_until_quiet(stream), 5)
    assert late <= 1
    stream.cancel()


async def _until_quiet(stream) -> int:
    """How many notices arrive before a second passes without one."""
    count = 0
    while True:
        try:
            await next_notice(stream, wait=1.0)
        except TimeoutError:
            return count
        count += 1


async def test_a_stream_too_slow_for_its_inbox_still_gets_every_notice(quick_push):
    _, push = quick_push
    stream = stream_of(push, "t-1")
    await asyncio.sleep(0.2)
    notices = [frozen_notice(n) for n in range(10)]
    assert (await push.Notify(push_pb2.NotifyRequest(notifications=notices))).accepted == 10
    received = set()
    while len(received) < 10:
        received.add((await next_notice(stream)).notification_id)
    assert received == {n.notification_id for n in notices}
    stream.cancel()


async def test_notices_accepted_by_another_replica_reach_a_connected_terminal(quick_push, push_settings):
    replica, _ = quick_push
    other = await start(push_settings.model_copy(update={"redelivery_seconds": 0.3}))
    try:
        async with (
            grpc.aio.insecure_channel(replica.address) as a,
            grpc.aio.insecure_channel(other.address) as b,
        ):
            stream = stream_of(push_pb2_grpc.PushServiceStub(a), "t-1")
            await asyncio.sleep(0.2)
            await push_pb2_grpc.PushServiceStub(b).Notify(
                push_pb2.NotifyRequest(notifications=[frozen_notice()])
            )
            assert (await next_notice(stream)).notification_id == "freeze-ins-1"
            stream.cancel()
    finally:
        await other.stop()
