"""A terminal acts only for itself: it syncs its own device's bills, streams and acknowledges its own notices
(and its merchant's, when that is the merchant it is registered with), and subscribes, dismisses and asks
pushes under its own id. First the plain checks, then the same refusals from the running services over mTLS."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import grpc
import pytest
from ingest_factories import Terminal, merchant
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk.push.v1 import push_pb2
from payrisk_ingest.access import check_bills_are_its_own
from payrisk_push.access import check_stream_is_its_own, check_terminal_is_itself
from payrisk_runtime import Caller, PermissionDenied
from security_helpers import code_of, refusal

D1 = Caller("terminal", "d-1")


def bills_of(device_id: str, *sequences: int) -> list[common_pb2.OfflineBill]:
    terminal = Terminal(device_id)
    return [terminal.bill(n) for n in sequences]


def test_a_terminal_may_send_its_own_bills():
    check_bills_are_its_own(D1, bills_of("d-1", 1, 2, 3))


def test_one_bill_of_another_device_refuses_the_request_and_names_the_bill():
    bills = [*bills_of("d-1", 1), *bills_of("d-2", 7)]
    with pytest.raises(PermissionDenied) as refused:
        check_bills_are_its_own(D1, bills)
    assert refused.value.message.startswith("bills[1] (bill 'd-2-bill-7') is for device 'd-2'")


def test_operators_and_services_may_send_any_devices_bills_and_plaintext_development_is_unchecked():
    for who in (Caller("operator", "alice"), Caller("acquirer", "bank-1"), None):
        check_bills_are_its_own(who, bills_of("d-2", 1))


def test_a_bill_that_does_not_parse_is_left_to_the_sync_to_reject():
    check_bills_are_its_own(D1, [common_pb2.OfflineBill(payload=b"\xff\xff not a payload")])


def test_a_terminal_names_only_itself():
    check_terminal_is_itself(D1, "terminal_id", "d-1")
    check_terminal_is_itself(Caller("operator", "alice"), "terminal_id", "d-2")
    with pytest.raises(PermissionDenied) as refused:
        check_terminal_is_itself(D1, "subscriber_id", "d-2")
    assert refused.value.message == "terminal:d-1 may act only for itself, not for subscriber_id 'd-2'"


class Registered:
    """Which merchant each device is registered with (ingest's answer, for the plain check)."""

    def __init__(self, merchants: dict[str, str]) -> None:
        self.merchants = merchants

    async def merchant_of(self, device_id: str) -> str | None:
        return self.merchants.get(device_id)


async def test_a_terminal_streams_its_merchants_notices_only_for_its_own_merchant():
    directory = Registered({"d-1": "m-1"})
    await check_stream_is_its_own(D1, directory, "d-1", "m-1")
    await check_stream_is_its_own(D1, directory, "d-1", "")
    for terminal_id, merchant_id in (("d-2", "m-1"), ("d-1", "m-2")):
        with pytest.raises(PermissionDenied):
            await check_stream_is_its_own(D1, directory, terminal_id, merchant_id)
    with pytest.raises(PermissionDenied):
        await check_stream_is_its_own(Caller("terminal", "d-9"), directory, "d-9", "m-1")
    # Without a way to check the merchant, a terminal hears only what is addressed to it.
    with pytest.raises(PermissionDenied):
        await check_stream_is_its_own(D1, None, "d-1", "m-1")


# --- the same over mutual TLS, against the running services -------------------------------------------------


@pytest.fixture
async def terminals(system):
    """Two terminals of one merchant and one of another, registered in ingest by an operator."""
    run = uuid.uuid4().hex[:8]
    mine, sibling, stranger = (
        Terminal(f"d1-{run}", f"m-{run}"),
        Terminal(f"d2-{run}", f"m-{run}"),
        Terminal(f"d3-{run}", f"other-{run}"),
    )
    operator = system.stub("ingest", "operator:alice")
    merchants = [merchant(m) for m in sorted({t.merchant_id for t in (mine, sibling, stranger)})]
    await operator.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=merchants))
    response = await operator.RegisterDevices(
        ingest_pb2.RegisterDevicesRequest(devices=[t.device() for t in (mine, sibling, stranger)])
    )
    assert response.registered == 3, response.rejected
    return mine, sibling, stranger


async def test_a_terminal_syncs_its_own_bills_but_not_another_devices(system, terminals):
    mine, sibling, _ = terminals
    ingest = system.stub("ingest", f"terminal:{mine.device_id}")
    synced = await ingest.SyncOfflineBills(
        ingest_pb2.SyncOfflineBillsRequest(bills=[mine.bill(1), mine.bill(2)])
    )
    assert synced.accepted == 2, synced.rejected

    # The sibling's bill is genuinely signed by the sibling: only the caller's identity gives it away.
    error = await refusal(
        ingest.SyncOfflineBills(ingest_pb2.SyncOfflineBillsRequest(bills=[mine.bill(3), sibling.bill(1)]))
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert f"bills[1] (bill '{sibling.device_id}-bill-1')" in error.details()
    # Nothing of the refused request was stored, not even the terminal's own bill in it.
    operator = system.stub("ingest", "operator:alice")
    for device, expected in ((mine, [1, 2]), (sibling, [])):
        page = await operator.ListOfflineBills(ingest_pb2.ListOfflineBillsRequest(device_id=device.device_id))
        assert [b.sequence for b in page.bills] == expected

    # The operator (or the acquirer's sync gateway) may send any device's bills.
    synced = await operator.SyncOfflineBills(ingest_pb2.SyncOfflineBillsRequest(bills=[sibling.bill(1)]))
    assert synced.accepted == 1, synced.rejected


async def received(stream, seconds: float = 1.5) -> set[str]:
    """The ids of the notices a stream delivers within `seconds` (redeliveries counted once)."""
    ids: set[str] = set()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            async for message in stream:
                ids.add(message.notification.notification_id)
    stream.cancel()
    return ids


def notice(notification_id: str, **where: str) -> push_pb2.Notification:
    return push_pb2.Notification(
        notification_id=notification_id,
        kind=push_pb2.NOTIFICATION_KIND_RISK_ALERT,
        title="t",
        body="b",
        **where,
    )


async def test_a_terminal_hears_its_own_and_its_merchants_notices_and_nobody_elses(system, terminals):
    mine, sibling, stranger = terminals
    run = mine.device_id
    notices = [
        notice(f"{run}-merchant", merchant_id=mine.merchant_id),
        notice(f"{run}-mine", terminal_id=mine.device_id),
        notice(f"{run}-sibling", terminal_id=sibling.device_id),
        notice(f"{run}-other-merchant", merchant_id=stranger.merchant_id),
    ]
    notified = await system.stub("push", "service:risk").Notify(push_pb2.NotifyRequest(notifications=notices))
    assert notified.accepted == 4, notified.rejected

    push = system.stub("push", f"terminal:{mine.device_id}")
    stream = push.StreamNotifications(
        push_pb2.StreamNotificationsRequest(terminal_id=mine.device_id, merchant_id=mine.merchant_id)
    )
    assert await received(stream) == {f"{run}-merchant", f"{run}-mine"}

    for asked in (
        push_pb2.StreamNotificationsRequest(terminal_id=sibling.device_id, merchant_id=mine.merchant_id),
        push_pb2.StreamNotificationsRequest(terminal_id=mine.device_id, merchant_id=stranger.merchant_id),
    ):
        stream = push.StreamNotifications(asked)
        error = await refusal(stream.read())
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, error

    # It acknowledges its own notices, never another terminal's.
    ack = push_pb2.AckNotificationRequest
    assert await code_of(
        push.AckNotification(ack(terminal_id=mine.device_id, notification_id=f"{run}-mine"))
    ) == (grpc.StatusCode.OK)
    assert await code_of(
        push.AckNotification(ack(terminal_id=sibling.device_id, notification_id=f"{run}-sibling"))
    ) == (grpc.StatusCode.PERMISSION_DENIED)
    # The sibling still owes its notice: the refused acknowledgement changed nothing.
    sibling_stream = system.stub("push", f"terminal:{sibling.device_id}").StreamNotifications(
        push_pb2.StreamNotificationsRequest(terminal_id=sibling.device_id)
    )
    assert await received(sibling_stream) == {f"{run}-sibling"}


async def test_a_terminal_subscribes_dismisses_and_asks_pushes_only_as_itself(system, terminals):
    mine, sibling, _ = terminals
    push = system.stub("push", f"terminal:{mine.device_id}")
    add = push_pb2.SUBSCRIPTION_MODE_ADD
    for own, expected in (
        (mine.device_id, grpc.StatusCode.OK),
        (sibling.device_id, grpc.StatusCode.PERMISSION_DENIED),
    ):
        calls = [
            push.UpdateSubscription(
                push_pb2.UpdateSubscriptionRequest(subscriber_id=own, mode=add, tags=["food"])
            ),
            push.DismissObject(push_pb2.DismissObjectRequest(subscriber_id=own, object_id="m-x")),
            push.RequestPush(push_pb2.RequestPushRequest(terminal_id=own)),
        ]
        assert [await code_of(c) for c in calls] == [expected] * 3
    # What the refused calls would have changed is untouched: the sibling has no subscription.
    operator = system.stub("push", "operator:alice")
    tags = await operator.UpdateSubscription(
        push_pb2.UpdateSubscriptionRequest(subscriber_id=sibling.device_id, mode=add, tags=[])
    )
    assert list(tags.tags) == []
