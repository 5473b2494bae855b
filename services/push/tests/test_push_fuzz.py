"""Random requests, built for push's fields and from its contract, and random bytes: every one is served or
refused with the fields that are wrong, never an internal error, and what is served makes sense."""

from __future__ import annotations

import math

import grpc
import pytest
from google.protobuf import message_factory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from payrisk.common.v1 import common_pb2
from payrisk.push.v1 import push_pb2
from payrisk_ingest.importer import transactions_from_table
from payrisk_ingest.synthetic import GeneratorConfig, iter_transaction_batches, to_arrow
from payrisk_push.app import MIGRATIONS, start
from payrisk_push.mining import persist
from payrisk_push.mining.bills import bill_batch
from payrisk_push.mining.model import PushModel
from payrisk_push.mining.state import MiningState
from payrisk_push.vocabulary import TAG_LIST
from payrisk_runtime import create_db_engine, field_violations, migrate
from proto_strategies import messages

pytestmark = pytest.mark.slow

SERVICE = push_pb2.DESCRIPTOR.services_by_name["PushService"]
REFUSALS = (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND)
ids = st.one_of(st.sampled_from(["t-1", "s4-m000001-t1", "s4-p0000001", ""]), st.text(max_size=140))
floats = st.floats(allow_nan=True, allow_infinity=True)


@pytest.fixture
def database_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'store.db'}"


@pytest.fixture
async def push_app(push_settings):
    """Push with a model mined from generated bills already saved, so that requests exercise the ranking."""
    config = GeneratorConfig(transactions=4000, seed=4)
    model = PushModel(push_settings.topics)
    for batch in iter_transaction_batches(config):
        bills = [
            tx for tx in transactions_from_table(to_arrow(batch)) if tx.channel == common_pb2.CHANNEL_OFFLINE
        ]
        model.learn(bill_batch(bills))
    engine = create_db_engine(push_settings.database_url)
    migrate(engine, MIGRATIONS)
    MiningState(engine).save(0, persist.dump(model))
    engine.dispose()
    app = await start(push_settings)
    yield app
    await app.stop()


@st.composite
def push_requests(draw: st.DrawFn) -> push_pb2.RequestPushRequest:
    request = push_pb2.RequestPushRequest(
        terminal_id=draw(ids),
        user_id=draw(ids),
        subscription_tags=draw(
            st.lists(st.one_of(st.sampled_from(TAG_LIST), st.text(max_size=12)), max_size=6)
        ),
        limit=draw(st.integers(-5, 200)),
    )
    env = request.environment
    if draw(st.booleans()):
        env.place.latitude = draw(st.one_of(st.floats(22, 40), floats))
        env.place.longitude = draw(st.one_of(st.floats(104, 122), floats))
    if draw(st.booleans()):
        env.time.seconds = draw(st.integers(-(2**40), 2**40))
        env.time.nanos = draw(st.integers(-(2**31), 2**31 - 1))
    env.device_id = draw(ids)
    env.merchant_category_code = draw(
        st.one_of(st.sampled_from(["5812", "5499", "0000", ""]), st.text(max_size=6))
    )
    env.locale = draw(st.one_of(st.sampled_from(["zh-CN", "en-GB", ""]), st.text(max_size=40)))
    if draw(st.booleans()):
        env.amount.currency_code = draw(st.sampled_from(["CNY", "EUR", "", "XXX1"]))
        env.amount.minor_units = draw(st.integers(-(2**63), 2**63 - 1))
    return request


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=push_requests())
async def test_every_push_request_is_ranked_sensibly_or_refused_by_field(push, request):
    refused = None
    try:
        response = await push.RequestPush(request)
    except grpc.aio.AioRpcError as error:
        refused = error
    if refused is not None:
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT, refused.details()
        fields = [v.field for v in field_violations(refused)]
        assert fields
        assert all(f.split("[")[0].split(".")[0] in request.DESCRIPTOR.fields_by_name for f in fields), fields
        return
    ids_ = [o.object_id for o in response.objects]
    assert len(ids_) == len(set(ids_))
    assert len(ids_) <= (request.limit or 10)
    for o in response.objects:
        assert math.isfinite(o.score)
        assert 0 <= o.score <= 1
        assert o.reasons
        assert o.title
    assert [c.object_id for c in response.contents] == ids_[:3]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notifications=st.lists(messages(push_pb2.Notification.DESCRIPTOR), max_size=6))
async def test_every_notice_is_accepted_or_refused_by_field(push, notifications):
    response = await push.Notify(push_pb2.NotifyRequest(notifications=notifications))
    assert response.accepted + response.duplicates + len(response.rejected) == len(notifications)
    for error in response.rejected:
        assert error.field.startswith(f"notifications[{error.index}].")
        assert error.description


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    subscriber=ids,
    mode=st.integers(-3, 6),
    tags=st.lists(st.one_of(st.sampled_from(TAG_LIST), st.text(max_size=12)), max_size=60),
)
async def test_every_subscription_update_is_applied_or_refused_by_field(push, subscriber, mode, tags):
    request = push_pb2.UpdateSubscriptionRequest(subscriber_id=subscriber, mode=mode, tags=tags)
    refused = None
    try:
        response = await push.UpdateSubscription(request)
    except grpc.aio.AioRpcError as error:
        refused = error
    if refused is not None:
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert {v.field.split("[")[0] for v in field_violations(refused)} <= {"subscriber_id", "mode", "tags"}
        return
    assert set(response.tags) <= set(TAG_LIST)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_random_messages_and_bytes_never_get_an_internal_error(push_app, data):
    method = data.draw(st.sampled_from(list(SERVICE.methods)), label="method")
    request = data.draw(messages(method.input_type), label="request")
    noise = data.draw(st.binary(max_size=200), label="noise")
    path = f"/{SERVICE.full_name}/{method.name}"
    response_class = message_factory.GetMessageClass(method.output_type)
    async with grpc.aio.insecure_channel(push_app.address) as channel:
        for payload in (request.SerializeToString(), noise):
            code = grpc.StatusCode.OK
            try:
                if method.server_streaming:
                    # A valid stream request stays open for new notices: its first answer is enough.
                    call = channel.unary_stream(path, lambda b: b, response_class.FromString)(
                        payload, timeout=0.5
                    )
                    await call.read()
                else:
                    await channel.unary_unary(path, lambda b: b, response_class.FromString)(
                        payload, timeout=10
                    )
            except grpc.aio.AioRpcError as error:
                code = error.code()
            allowed = (*REFUSALS, grpc.StatusCode.DEADLINE_EXCEEDED) if method.server_streaming else REFUSALS
            assert code in (grpc.StatusCode.OK, *allowed), f"{method.name} answered {code.name}"
