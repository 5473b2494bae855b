"""Subscriptions, mining offline bills through ingest, and ranked, diverse, environment-aware pushes."""

from __future__ import annotations

import grpc
import pytest
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.push.v1 import push_pb2
from payrisk_ingest.synthetic import GeneratorConfig, Loader, build_world, iter_batches
from payrisk_runtime import field_violations


async def test_subscriptions_add_remove_replace_and_unknown_tags_are_refused(push):
    add = push_pb2.SUBSCRIPTION_MODE_ADD
    assert list(
        (
            await push.UpdateSubscription(
                push_pb2.UpdateSubscriptionRequest(subscriber_id="t-1", mode=add, tags=["food", "cinema"])
            )
        ).tags
    ) == ["cinema", "food"]
    removed = await push.UpdateSubscription(
        push_pb2.UpdateSubscriptionRequest(
            subscriber_id="t-1", mode=push_pb2.SUBSCRIPTION_MODE_REMOVE, tags=["cinema"]
        )
    )
    assert list(removed.tags) == ["food"]
    replaced = await push.UpdateSubscription(
        push_pb2.UpdateSubscriptionRequest(
            subscriber_id="t-1", mode=push_pb2.SUBSCRIPTION_MODE_REPLACE, tags=["fuel"]
        )
    )
    assert list(replaced.tags) == ["fuel"]
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await push.UpdateSubscription(
            push_pb2.UpdateSubscriptionRequest(subscriber_id="t-1", mode=add, tags=["crypto"])
        )
    assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(unknown.value)] == ["tags[0]"]


@pytest.fixture
async def mined(push, ingest_address):
    config = GeneratorConfig(transactions=6000, seed=11)
    world = build_world(config)
    async with grpc.aio.insecure_channel(ingest_address) as channel:
        loader = Loader(ingest_pb2_grpc.IngestServiceStub(channel), 1000)
        await loader.register(world)
        for batch in iter_batches(config, world):
            await loader.send(batch)
    response = await push.MineBills(push_pb2.MineBillsRequest())
    assert response.bills > 500
    again = await push.MineBills(push_pb2.MineBillsRequest())
    assert again.bills == 0  # incremental: nothing new since the last run
    return world


async def test_a_push_request_gets_ranked_objects_with_reasons_and_content(push, mined):
    request = push_pb2.RequestPushRequest(terminal_id="t-1", subscription_tags=["food"], limit=10)
    request.environment.locale = "en-GB"
    response = await push.RequestPush(request)
    assert not response.cold_start
    assert 5 <= len(response.objects) <= 10
    assert all(o.reasons for o in response.objects)
    scores = [o.score for o in response.objects]
    assert scores[0] == max(scores)
    assert response.contents[0].locale == "en"
    assert response.contents[0].object_id == response.objects[0].object_id


async def test_cold_start_falls_back_to_popular_objects_and_dismissed_ones_are_gone(push, mined):
    cold = await push.RequestPush(push_pb2.RequestPushRequest(terminal_id="new-terminal", limit=5))
    assert cold.cold_start
    assert len(cold.objects) == 5
    top = cold.objects[0].object_id
    await push.DismissObject(push_pb2.DismissObjectRequest(subscriber_id="new-terminal", object_id=top))
    after = await push.RequestPush(push_pb2.RequestPushRequest(terminal_id="new-terminal", limit=5))
    assert top not in [o.object_id for o in after.objects]


async def test_bad_push_requests_name_the_field(push):
    request = push_pb2.RequestPushRequest(terminal_id="t-1", limit=1000, subscription_tags=["nope"])
    request.environment.place.CopyFrom(common_pb2.GeoPoint(latitude=100, longitude=0))
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await push.RequestPush(request)
    assert [v.field for v in field_violations(failure.value)] == [
        "subscription_tags[0]",
        "limit",
        "environment.place.latitude",
    ]
