"""RegisterMerchants, RegisterDevices, GetMerchant, ListMerchants (near a point), GetDevice."""

from __future__ import annotations

import grpc
import pytest
from ingest_factories import Terminal, merchant
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk_runtime import field_violations


async def test_merchants_register_once_and_conflicting_content_is_refused(ingest):
    first = await ingest.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=[merchant("m-1")]))
    assert (first.registered, first.unchanged) == (1, 0)
    changed = merchant("m-1", registration_type="individual")
    again = await ingest.RegisterMerchants(
        ingest_pb2.RegisterMerchantsRequest(merchants=[merchant("m-1"), changed])
    )
    assert (again.registered, again.unchanged) == (0, 1)
    assert [(r.index, r.code) for r in again.rejected] == [(1, common_pb2.ITEM_ERROR_CODE_CONFLICT)]
    stored = await ingest.GetMerchant(ingest_pb2.GetMerchantRequest(merchant_id="m-1"))
    assert stored.merchant.registration_type == "company"


async def test_invalid_merchants_are_rejected_with_the_field(ingest):
    bad_point = merchant("m-2", lat=123.0)
    no_capital = merchant("m-3")
    no_capital.registered_capital.currency_code = "???"
    response = await ingest.RegisterMerchants(
        ingest_pb2.RegisterMerchantsRequest(merchants=[bad_point, merchant("m-1"), no_capital])
    )
    assert response.registered == 1
    assert [(r.index, r.field) for r in response.rejected] == [
        (0, "merchants[0].registered_location.point.latitude"),
        (2, "merchants[2].registered_capital.currency_code"),
    ]


async def test_list_merchants_near_a_point_counts_only_those_within_the_radius(ingest):
    # Around People's Square, Shanghai: two within 1 km, one 5 km away, one in Beijing.
    merchants = [
        merchant("near-1", 31.2304, 121.4737),
        merchant("near-2", 31.2350, 121.4780),
        merchant("far-1", 31.2750, 121.4737),
        merchant("beijing", 39.9042, 116.4074),
    ]
    await ingest.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=merchants))
    request = ingest_pb2.ListMerchantsRequest(
        near=common_pb2.GeoPoint(latitude=31.2304, longitude=121.4737), radius_meters=1000
    )
    near = await ingest.ListMerchants(request)
    assert sorted(m.merchant_id for m in near.merchants) == ["near-1", "near-2"]

    everyone, token = [], ""
    while True:
        page = await ingest.ListMerchants(ingest_pb2.ListMerchantsRequest(page_size=3, page_token=token))
        everyone += [m.merchant_id for m in page.merchants]
        token = page.next_page_token
        if not token:
            break
    assert sorted(everyone) == sorted(m.merchant_id for m in merchants)


async def test_list_merchants_near_needs_a_radius(ingest):
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await ingest.ListMerchants(
            ingest_pb2.ListMerchantsRequest(near=common_pb2.GeoPoint(latitude=1, longitude=1))
        )
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(failure.value)] == ["radius_meters"]


async def test_devices_need_a_known_merchant_and_a_p256_key(ingest):
    await ingest.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=[merchant("m-1")]))
    good = Terminal("dev-1", "m-1").device()
    orphan = Terminal("dev-2", "m-404").device()
    bad_key = Terminal("dev-3", "m-1").device()
    bad_key.public_key_pem = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n"
    response = await ingest.RegisterDevices(
        ingest_pb2.RegisterDevicesRequest(devices=[good, orphan, bad_key])
    )
    assert response.registered == 1
    assert [(r.index, r.field, r.code) for r in response.rejected] == [
        (1, "devices[1].merchant_id", common_pb2.ITEM_ERROR_CODE_UNKNOWN_REFERENCE),
        (2, "devices[2].public_key_pem", common_pb2.ITEM_ERROR_CODE_INVALID),
    ]
    device = await ingest.GetDevice(ingest_pb2.GetDeviceRequest(device_id="dev-1"))
    assert device.device.public_key_pem == good.public_key_pem


async def test_unknown_merchant_and_device_are_not_found(ingest):
    for call, request in (
        (ingest.GetMerchant, ingest_pb2.GetMerchantRequest(merchant_id="nobody")),
        (ingest.GetDevice, ingest_pb2.GetDeviceRequest(device_id="nothing")),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await call(request)
        assert failure.value.code() == grpc.StatusCode.NOT_FOUND
