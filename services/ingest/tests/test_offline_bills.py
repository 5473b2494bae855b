"""SyncOfflineBills: signatures, sequences, replays and gaps, and the device events they leave."""

from __future__ import annotations

import pytest
from ingest_factories import Terminal, merchant
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2

Kind = ingest_pb2.SequenceEventKind


@pytest.fixture
async def terminal(ingest) -> Terminal:
    terminal = Terminal()
    await ingest.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=[merchant()]))
    registered = await ingest.RegisterDevices(ingest_pb2.RegisterDevicesRequest(devices=[terminal.device()]))
    assert registered.registered == 1
    return terminal


async def sync(ingest, bills):
    return await ingest.SyncOfflineBills(ingest_pb2.SyncOfflineBillsRequest(bills=bills))


async def test_signed_bills_in_sequence_are_stored_as_offline_transactions(ingest, terminal):
    response = await sync(ingest, [terminal.bill(s) for s in (1, 2, 3)])
    assert (response.accepted, response.duplicates, list(response.rejected), list(response.events)) == (
        3,
        0,
        [],
        [],
    )

    record = (
        await ingest.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id="dev-1-tx-2"))
    ).record
    assert record.transaction.channel == common_pb2.CHANNEL_OFFLINE
    assert record.bill_id == "dev-1-bill-2"
    device = await ingest.GetDevice(ingest_pb2.GetDeviceRequest(device_id="dev-1"))
    assert device.last_sequence == 3
    stored = await ingest.ListOfflineBills(
        ingest_pb2.ListOfflineBillsRequest(device_id="dev-1", after_sequence=1)
    )
    assert [b.sequence for b in stored.bills] == [2, 3]


async def test_resyncing_the_same_bills_changes_nothing(ingest, terminal):
    bills = [terminal.bill(s) for s in (1, 2)]
    await sync(ingest, bills)
    again = await sync(ingest, bills)
    assert (again.accepted, again.duplicates, list(again.events)) == (0, 2, [])


async def test_a_forged_signature_is_rejected_and_recorded(ingest, terminal):
    forged = terminal.bill(1)
    forged.signature = Terminal().bill(1).signature  # signed by another key
    response = await sync(ingest, [forged, terminal.bill(2)])
    assert response.accepted == 1
    [rejected] = response.rejected
    assert (rejected.index, rejected.field, rejected.code) == (
        0,
        "bills[0].signature",
        common_pb2.ITEM_ERROR_CODE_BAD_SIGNATURE,
    )
    events = await ingest.ListDeviceEvents(ingest_pb2.ListDeviceEventsRequest(device_id="dev-1"))
    assert [e.kind for e in events.events][:1] == [Kind.SEQUENCE_EVENT_KIND_BAD_SIGNATURE]


async def test_a_tampered_payload_does_not_verify(ingest, terminal):
    bill = terminal.bill(1)
    payload = common_pb2.OfflineBillPayload.FromString(bill.payload)
    payload.transaction.amount.minor_units *= 100
    bill.payload = payload.SerializeToString()
    response = await sync(ingest, [bill])
    assert [r.code for r in response.rejected] == [common_pb2.ITEM_ERROR_CODE_BAD_SIGNATURE]


async def test_a_gap_is_accepted_reported_and_later_filled(ingest, terminal):
    first = await sync(ingest, [terminal.bill(s) for s in (1, 2, 6)])
    assert first.accepted == 3
    [gap] = first.events
    assert (gap.kind, gap.first_sequence, gap.last_sequence) == (Kind.SEQUENCE_EVENT_KIND_GAP, 3, 5)

    late = await sync(ingest, [terminal.bill(4)])
    assert late.accepted == 1
    assert [e.kind for e in late.events] == [Kind.SEQUENCE_EVENT_KIND_OUT_OF_ORDER]
    device = await ingest.GetDevice(ingest_pb2.GetDeviceRequest(device_id="dev-1"))
    assert device.last_sequence == 6


async def test_a_reused_sequence_number_is_a_replay(ingest, terminal):
    await sync(ingest, [terminal.bill(1), terminal.bill(2)])
    replay = terminal.bill(2, bill_id="another-bill", tx_id="another-tx")
    response = await sync(ingest, [replay])
    assert response.accepted == 0
    assert [(r.field, r.code) for r in response.rejected] == [
        ("bills[0].payload.sequence", common_pb2.ITEM_ERROR_CODE_REPLAY)
    ]
    assert [e.kind for e in response.events] == [Kind.SEQUENCE_EVENT_KIND_REPLAY]
    events = await ingest.ListDeviceEvents(ingest_pb2.ListDeviceEventsRequest(device_id="dev-1"))
    assert [e.kind for e in events.events] == [Kind.SEQUENCE_EVENT_KIND_REPLAY]
    with pytest.raises(Exception, match="not found"):
        await ingest.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id="another-tx"))


async def test_bills_from_unknown_devices_and_malformed_bytes_are_rejected_item_by_item(ingest, terminal):
    stranger = Terminal(device_id="dev-unknown")
    garbage = common_pb2.OfflineBill(payload=b"\xff\xff\xff", signature=b"x")
    response = await sync(ingest, [stranger.bill(1), garbage, terminal.bill(1)])
    assert response.accepted == 1
    assert [(r.index, r.field, r.code) for r in response.rejected] == [
        (0, "bills[0].payload.device_id", common_pb2.ITEM_ERROR_CODE_UNKNOWN_REFERENCE),
        (1, "bills[1].payload", common_pb2.ITEM_ERROR_CODE_INVALID),
    ]
