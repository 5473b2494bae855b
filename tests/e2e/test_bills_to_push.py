"""Offline bills synced to ingest are mined by push and shape what a terminal is recommended."""

from __future__ import annotations

import pytest
from payrisk.ingest.v1 import ingest_pb2
from payrisk.push.v1 import push_pb2
from payrisk_ingest.synthetic import GeneratorConfig, build_world, iter_batches
from payrisk_ingest.synthetic.dataset import registrations

pytestmark = pytest.mark.e2e


def test_mined_bills_become_recommendations(ingest, push):
    config = GeneratorConfig(transactions=3000, seed=21, id_prefix="e2e")
    world = build_world(config)
    merchants, devices = registrations(world)
    ingest.RegisterMerchants(ingest_pb2.RegisterMerchantsRequest(merchants=merchants))
    ingest.RegisterDevices(ingest_pb2.RegisterDevicesRequest(devices=devices))
    for batch in iter_batches(config, world):
        ingest.SyncOfflineBills(ingest_pb2.SyncOfflineBillsRequest(bills=batch.bills.bills))
    mined = push.MineBills(push_pb2.MineBillsRequest())
    assert mined.bills > 100
    response = push.RequestPush(
        push_pb2.RequestPushRequest(terminal_id="e2e-t", subscription_tags=["food"], limit=5)
    )
    assert len(response.objects) == 5
