"""Subscriptions, mining offline bills through ingest, and ranked, diverse, environment-aware pushes."""

from __future__ import annotations

import grpc
import pytest
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk.push.v1 import push_pb2, push_pb2_grpc
from payrisk_ingest.synthetic import GeneratorConfig, build_world, iter_batches
from payrisk_ingest.synthetic.catalog import CATEGORIES
from payrisk_push.app import start
from payrisk_runtime import field_violations
from push_factories import NOON
from push_loading import register, sync_bills

ADD, REMOVE, REPLACE = (
    push_pb2.SUBSCRIPTION_MODE_ADD,
    push_pb2.SUBSCRIPTION_MODE_REMOVE,
    push_pb2.SUBSCRIPTION_MODE_REPLACE,
)
PEOPLES_SQUARE = (31.2304, 121.4737)


def ask(
    terminal: str = "t-1", tags: tuple[str, ...] = (), limit: int = 10, **environment
) -> push_pb2.RequestPushRequest:
    request = push_pb2.RequestPushRequest(terminal_id=terminal, subscription_tags=list(tags), limit=limit)
    place = environment.pop("place", PEOPLES_SQUARE)
    if place is not None:
        request.environment.place.latitude, request.environment.place.longitude = place
    request.environment.time.seconds = environment.pop("time", NOON)
    for name, value in environment.items():
        if name == "amount":
            request.environment.amount.CopyFrom(common_pb2.Money(currency_code="CNY", minor_units=value))
        else:
            setattr(request.environment, name, value)
    return request


async def test_subscriptions_add_remove_replace_and_unknown_tags_are_refused(push):
    async def update(mode: int, *tags: str) -> list[str]:
        request = push_pb2.UpdateSubscriptionRequest(subscriber_id="t-1", mode=mode, tags=tags)
        return list((await push.UpdateSubscription(request)).tags)

    assert await update(ADD, "food", "cinema") == ["cinema", "food"]
    assert await update(REMOVE, "cinema") == ["food"]
    assert await update(REPLACE, "fuel") == ["fuel"]
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await update(ADD, "fuel", "crypto")
    assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(unknown.value)] == ["tags[1]"]
    assert await update(ADD) == ["fuel"]  # nothing changed by the refused update


@pytest.fixture(scope="module")
def world():
    config = GeneratorConfig(transactions=6000, seed=11, batch_size=2000)
    return config, build_world(config)


@pytest.fixture
async def ingest(ingest_address):
    async with grpc.aio.insecure_channel(ingest_address) as channel:
        yield ingest_pb2_grpc.IngestServiceStub(channel)


@pytest.fixture
async def mined(push, ingest, world):
    config, generated = world
    await register(ingest, generated)
    await sync_bills(ingest, iter_batches(config, generated))
    response = await push.MineBills(push_pb2.MineBillsRequest())
    assert response.bills > 1000
    return generated


async def test_mining_is_incremental_and_carries_on_after_a_restart(push_app, push_settings, ingest, world):
    config, generated = world
    batches = list(iter_batches(config, generated))
    await register(ingest, generated)
    first_bills = await sync_bills(ingest, batches[:2])
    async with grpc.aio.insecure_channel(push_app.address) as channel:
        push = push_pb2_grpc.PushServiceStub(channel)
        first = await push.MineBills(push_pb2.MineBillsRequest())
        rest_bills = await sync_bills(ingest, batches[2:])
        second = await push.MineBills(push_pb2.MineBillsRequest())
        idle = await push.MineBills(push_pb2.MineBillsRequest())
    assert (first.bills, second.bills, idle.bills) == (first_bills, rest_bills, 0)
    assert second.total_bills == first_bills + rest_bills
    assert second.merchants > 0
    assert second.users > 0
    await push_app.stop()
    restarted = await start(push_settings)
    try:
        async with grpc.aio.insecure_channel(restarted.address) as channel:
            push = push_pb2_grpc.PushServiceStub(channel)
            again = await push.MineBills(push_pb2.MineBillsRequest())
            assert (again.bills, again.total_bills, again.cursor) == (0, second.total_bills, second.cursor)
            assert len((await push.RequestPush(ask(tags=("food",)))).objects) == 10
    finally:
        await restarted.stop()


async def test_a_push_request_gets_ranked_objects_with_reasons_and_content_in_its_language(push, mined):
    english = await push.RequestPush(ask(tags=("food",), locale="en-GB"))
    assert not english.cold_start
    assert len(english.objects) == 10
    assert all(o.reasons and o.kind == "merchant" for o in english.objects)
    assert english.objects[0].score == 1.0
    assert "matches your interest in" in english.objects[0].reasons[0]
    assert [c.object_id for c in english.contents] == [o.object_id for o in english.objects[:3]]
    top = english.contents[0]
    assert (top.locale, top.deep_link) == ("en", f"payrisk://merchant/{top.object_id}")
    assert top.title.isascii()
    assert "Popular:" in top.body
    chinese = await push.RequestPush(ask(tags=("food",), locale="zh-CN"))
    assert [o.object_id for o in chinese.objects] == [o.object_id for o in english.objects]
    assert chinese.contents[0].locale == "zh-CN"
    assert not chinese.contents[0].title.isascii()
    assert "符合你的兴趣" in chinese.contents[0].body


async def test_what_is_recommended_follows_the_tags_and_differs_between_interests(push, mined):
    merchants = mined.merchants
    category = {m: CATEGORIES[int(c)] for m, c in zip(merchants.ids, merchants.category, strict=True)}
    popular = [category[o.object_id].group for o in (await push.RequestPush(ask())).objects]
    lists = {}
    for tag in ("food", "daily", "mobility", "services", "leisure", "shopping"):
        lists[tag] = [o.object_id for o in (await push.RequestPush(ask(tags=(tag,)))).objects]
        groups = [category[m].group for m in lists[tag]]
        assert groups[0] == tag, groups
        assert groups.count(tag) > popular.count(tag), (tag, groups, popular)
    # Not the same few objects for everyone: most of Shanghai's few dozen merchants with bills show up.
    shanghai = [m for m, place in zip(merchants.ids, merchants.place, strict=True) if place == 0]
    everyone = set().union(*lists.values())
    assert len(everyone) >= 0.5 * len(shanghai), (len(everyone), len(shanghai))
    mixed = [
        category[o.object_id].group for o in (await push.RequestPush(ask(tags=("food", "mobility")))).objects
    ]
    assert {"food", "mobility"} <= set(mixed)


async def test_the_environment_shapes_the_ranking(push, mined, ingest):
    # A terminal's own device: the request is placed at its merchant, which is not recommended to itself.
    export = ingest.ExportTransactions(ingest_pb2.ExportTransactionsRequest(channel=common_pb2.CHANNEL_OFFLINE, batch_size=1))  # fmt: skip
    bill = (await export.read()).records[0].transaction
    export.cancel()
    at_terminal = await push.RequestPush(
        ask(tags=("food",), place=None, device_id=bill.device_id, locale="en")
    )
    assert bill.merchant_id not in [o.object_id for o in at_terminal.objects]
    assert any("km away" in r for o in at_terminal.objects for r in o.reasons)
    night = await push.RequestPush(ask(tags=("food",), time=NOON + 12 * 3600))
    noon = await push.RequestPush(ask(tags=("food",)))
    assert [o.object_id for o in night.objects] != [o.object_id for o in noon.objects]
    big_spend = await push.RequestPush(ask(tags=("shopping",), amount=500_000))
    small_spend = await push.RequestPush(ask(tags=("shopping",), amount=2_000))
    assert [o.object_id for o in big_spend.objects] != [o.object_id for o in small_spend.objects]
    elsewhere = await push.RequestPush(ask(tags=("food",), place=(39.9145, 116.4109)))  # Beijing
    assert not {o.object_id for o in elsewhere.objects} & {o.object_id for o in noon.objects}


async def test_cold_start_falls_back_to_popular_objects_and_dismissed_ones_are_gone(push, mined):
    cold = await push.RequestPush(ask("new-terminal", limit=5))
    assert cold.cold_start
    assert len(cold.objects) == 5
    # A tag that no offline bill carries is a cold start too, not an empty list.
    rare = await push.RequestPush(ask("new-terminal", tags=("online_shopping",), limit=5))
    assert rare.cold_start
    assert len(rare.objects) == 5
    top = cold.objects[0].object_id
    await push.DismissObject(push_pb2.DismissObjectRequest(subscriber_id="new-terminal", object_id=top))
    after = await push.RequestPush(ask("new-terminal", limit=5))
    assert top not in [o.object_id for o in after.objects]
    assert len(after.objects) == 5


async def test_a_stored_subscription_counts_as_much_as_tags_in_the_request(push, mined):
    await push.UpdateSubscription(
        push_pb2.UpdateSubscriptionRequest(subscriber_id="t-sub", mode=REPLACE, tags=["leisure"])
    )
    stored = await push.RequestPush(ask("t-sub"))
    asked = await push.RequestPush(ask("t-other", tags=("leisure",)))
    assert not stored.cold_start
    assert [o.object_id for o in stored.objects] == [o.object_id for o in asked.objects]


async def test_topics_list_their_words_objects_and_the_tags_distributions(push, mined):
    found = await push.ListTopics(push_pb2.ListTopicsRequest(objects_per_topic=5, locale="en"))
    assert len(found.topics) == 8
    assert all(len(t.words) == 10 and len(t.objects) == 5 for t in found.topics)
    assert sum(t.weight for t in found.topics) == pytest.approx(1.0)
    food = next(t for t in found.tags if t.tag == "food")
    assert food.bills > 100
    assert sum(food.topic_weights) == pytest.approx(1.0)
    best = max(range(8), key=lambda k: food.topic_weights[k])
    assert any(
        w in found.topics[best].words for w in ("tag:food", "tag:restaurant", "tag:fast_food", "tag:bakery")
    )


async def test_bad_push_requests_name_every_bad_field(push):
    request = ask(
        tags=("nope",), limit=1000, place=(100, 0), device_id="bad id!", merchant_category_code="58x2"
    )
    request.environment.amount.currency_code = "XXY"
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await push.RequestPush(request)
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(failure.value)] == [
        "subscription_tags[0]",
        "limit",
        "environment.place.latitude",
        "environment.device_id",
        "environment.merchant_category_code",
        "environment.amount.currency_code",
    ]
    with pytest.raises(grpc.aio.AioRpcError) as no_terminal:
        await push.RequestPush(push_pb2.RequestPushRequest())
    assert [v.field for v in field_violations(no_terminal.value)] == ["terminal_id"]


async def test_without_mined_bills_a_push_is_an_empty_cold_start(push):
    response = await push.RequestPush(ask(tags=("food",)))
    assert response.cold_start
    assert not response.objects


async def test_a_huge_bad_value_is_still_refused_by_field_not_cut_off_by_the_transport(push):
    # The error echoes what is wrong; unclipped, a 20 kB value would overflow the trailing metadata.
    request = ask(tags=tuple(f"{i}{'x' * 20_000}" for i in range(50)))
    request.environment.amount.currency_code = "X" * 20_000
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await push.RequestPush(request)
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = [v.field for v in field_violations(failure.value)]
    assert fields[0] == "subscription_tags[0]"
    assert len(fields) < 51
