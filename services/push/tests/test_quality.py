"""RequestPush against popularity, on held-out bills of generated payers whose true preferences are known.

The earlier 75% of the offline bills go through ingest and are mined by push; for payers with later bills, push
is asked as of their next bill, from their home. Personal pushes (their preferred tags as the subscription, and
their own mined bills) must find the merchants they went on to pay at clearly better than popularity in the
same environment, which is what push answers when it knows nothing about the user.
"""

from __future__ import annotations

import grpc
import pytest
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2_grpc
from payrisk.push.v1 import push_pb2
from payrisk_ingest.synthetic import GeneratorConfig, build_world, ground_truth, iter_batches
from payrisk_push import quality
from push_loading import register, sync_bills

CASES = 300


@pytest.fixture
def database_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('quality') / 'store.db'}"


def request(case: quality.HeldOutCase, tags: bool, user: bool) -> push_pb2.RequestPushRequest:
    r = push_pb2.RequestPushRequest(
        terminal_id=f"q-{case.payer_id}",
        user_id=case.payer_id if user else "",
        subscription_tags=case.preferred_tags if tags else (),
        limit=10,
    )
    r.environment.place.latitude, r.environment.place.longitude = case.home
    r.environment.time.seconds = case.epoch_seconds
    r.environment.locale = "en"
    return r


async def test_personal_pushes_beat_popularity_on_held_out_bills(push, ingest_address):
    config = GeneratorConfig(transactions=30_000, seed=5)
    world = build_world(config)
    batches = list(iter_batches(config, world))
    offline = [tx for b in batches for tx in b.messages if tx.channel == common_pb2.CHANNEL_OFFLINE]
    truth = ground_truth(world)
    homes = {p.payer_id: (p.home_latitude, p.home_longitude) for p in truth.payers}
    split = quality.split_bills(offline, truth.preferred_categories, homes)
    cut = split.mined[-1].occurred_at.seconds
    async with grpc.aio.insecure_channel(ingest_address) as channel:
        ingest = ingest_pb2_grpc.IngestServiceStub(channel)
        await register(ingest, world)
        for batch in batches:
            batch.bills.bills[:] = [
                b for b in batch.bills.bills if _captured_at(b) <= cut
            ]  # only the earlier bills reach push
        await sync_bills(ingest, batches)
    mined = await push.MineBills(push_pb2.MineBillsRequest())
    assert mined.bills >= 0.9 * len(split.mined)

    cases = split.cases[:CASES]
    variants = {"personal": (True, True), "tags only": (True, False), "popularity": (False, False)}
    results = {}
    for name, (tags, user) in variants.items():
        rankings = []
        for case in cases:
            response = await push.RequestPush(request(case, tags, user))
            assert response.cold_start == (name == "popularity")
            rankings.append([o.object_id for o in response.objects])
        results[name] = quality.figures(rankings, cases)
    print({name: str(f) for name, f in results.items()})
    popularity = results["popularity"]
    for name in ("personal", "tags only"):
        assert results[name].ndcg > 1.3 * popularity.ndcg, results
        assert results[name].hit_rate > popularity.hit_rate, results


def _captured_at(bill: common_pb2.OfflineBill) -> int:
    return int(common_pb2.OfflineBillPayload.FromString(bill.payload).transaction.occurred_at.seconds)
