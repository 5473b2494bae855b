"""What ingest knows about a device: its registration, its merchant's, its stored bills and the sequence
events seen while syncing them."""

from __future__ import annotations

from dataclasses import dataclass

from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk_runtime import NotFound

from ..scenarios.remote import remote_errors
from .bills import DeviceBill, open_bill

PAGE = 1000


@dataclass(frozen=True)
class DeviceData:
    device: common_pb2.Device
    merchant: common_pb2.Merchant | None
    last_sequence: int
    bills: list[DeviceBill]
    events: list[ingest_pb2.SequenceEvent]


async def _merchant(
    ingest: ingest_pb2_grpc.IngestServiceStub, merchant_id: str
) -> common_pb2.Merchant | None:
    if not merchant_id:
        return None
    try:
        with remote_errors("ingest"):
            response = await ingest.GetMerchant(ingest_pb2.GetMerchantRequest(merchant_id=merchant_id))
    except NotFound:
        # A device of a merchant ingest does not know: the bills' checks report it, it is no error here.
        return None
    merchant: common_pb2.Merchant = response.merchant
    return merchant


async def device_data(ingest: ingest_pb2_grpc.IngestServiceStub, device_id: str) -> DeviceData:
    with remote_errors("ingest"):
        found = await ingest.GetDevice(ingest_pb2.GetDeviceRequest(device_id=device_id))
    merchant = await _merchant(ingest, found.device.merchant_id)
    bills: list[DeviceBill] = []
    after = 0
    with remote_errors("ingest"):
        while True:
            page = await ingest.ListOfflineBills(
                ingest_pb2.ListOfflineBillsRequest(device_id=device_id, after_sequence=after, page_size=PAGE)
            )
            bills.extend(open_bill(b) for b in page.bills)
            if len(page.bills) < PAGE:
                break
            after = page.bills[-1].sequence
        events = await ingest.ListDeviceEvents(ingest_pb2.ListDeviceEventsRequest(device_id=device_id))
    return DeviceData(found.device, merchant, found.last_sequence, bills, list(events.events))
