"""A device's security: level, findings, tag clusters, sequence events, and its verdict's ledger receipt."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from payrisk.ingest.v1 import ingest_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk.risk.v1 import risk_pb2
from starlette.requests import Request
from starlette.responses import Response

from ..queue import require_id
from ..services import Services, call
from ..web import attempt, console, redirect, render, signed_in, wants_fragment


def ledger_receipt(receipt: risk_pb2.LedgerReceipt) -> ledger_pb2.Receipt:
    """The ledger's form of a device verdict's receipt: a verdict is anchored alone, as a batch of one record,
    so its leaf is the root and there are no proof steps."""
    root = bytes.fromhex(receipt.merkle_root)
    return ledger_pb2.Receipt(
        record_id=receipt.record_id,
        batch_id=receipt.batch_id,
        leaf_index=0,
        leaf_hash=root,
        merkle_root=root,
        commit=ledger_pb2.Commit(
            transaction_id=receipt.ledger_transaction_id, block_number=receipt.block_number
        ),
    )


async def _assess(services: Services, device_id: str) -> risk_pb2.DeviceAssessment:
    response = await call(
        "risk",
        services.reader.risk.AssessDevice(
            risk_pb2.AssessDeviceRequest(device_id=device_id), timeout=services.deadline
        ),
    )
    assessment: risk_pb2.DeviceAssessment = response.assessment
    return assessment


@signed_in()
async def devices_page(request: Request) -> Response:
    wanted = request.query_params.get("device", "").strip()
    if wanted:
        return redirect(f"/devices/{quote(require_id('device', wanted), safe='')}")
    return render(request, "devices.html", {})


async def _verify(
    services: Services, assessment: risk_pb2.DeviceAssessment
) -> ledger_pb2.VerifyReceiptResponse:
    response: ledger_pb2.VerifyReceiptResponse = await call(
        "ledger",
        services.reader.ledger.VerifyReceipt(
            ledger_pb2.VerifyReceiptRequest(
                receipt=ledger_receipt(assessment.receipt), content=assessment.anchored_record
            ),
            timeout=services.deadline,
        ),
    )
    return response


async def _page(request: Request, *, verify: bool) -> Response:
    device_id = require_id("device_id", request.path_params["device_id"])
    services = console(request).services
    ingest, deadline = services.reader.ingest, services.deadline
    got, (assessment, assessment_error), (events, events_error) = await asyncio.gather(
        call("ingest", ingest.GetDevice(ingest_pb2.GetDeviceRequest(device_id=device_id), timeout=deadline)),
        attempt(_assess(services, device_id)),
        attempt(
            call(
                "ingest",
                ingest.ListDeviceEvents(
                    ingest_pb2.ListDeviceEventsRequest(device_id=device_id), timeout=deadline
                ),
            )
        ),
    )
    verification, verify_error = None, None
    if verify and assessment is not None and assessment.HasField("receipt"):
        # Assessing again anchors nothing new while nothing changed: the verdict, and its batch, are the same.
        verification, verify_error = await attempt(_verify(services, assessment))
    context = {
        "device": got.device,
        "last_sequence": got.last_sequence,
        "assessment": assessment,
        "assessment_error": assessment_error,
        "events": list(events.events) if events else [],
        "events_error": events_error,
        "verification": verification,
        "verify_error": verify_error,
    }
    if verify and wants_fragment(request):
        return render(request, "_device_receipt.html", context)
    return render(request, "device.html", context)


@signed_in()
async def device_page(request: Request) -> Response:
    return await _page(request, verify=False)


@signed_in()
async def verify_device(request: Request) -> Response:
    return await _page(request, verify=True)
