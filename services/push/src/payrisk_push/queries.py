"""A RequestPush message checked field by field and turned into a push query."""

from __future__ import annotations

import time

from payrisk.push.v1 import push_pb2
from payrisk_runtime.validation import (
    Violations,
    check_geo_point,
    check_id,
    check_money,
    valid_timestamp,
)

from .ranking.ranker import PushQuery
from .subscriptions import check_tags

MAX_LIMIT = 100
DEFAULT_LIMIT = 10
MAX_TAGS = 50


def push_query(request: push_pb2.RequestPushRequest) -> PushQuery:
    """The query, or InvalidArgument naming every bad field. Stored subscriptions are added later."""
    v = Violations()
    check_id(v, "terminal_id", request.terminal_id)
    check_id(v, "user_id", request.user_id, required=False)
    if len(request.subscription_tags) > MAX_TAGS:
        v.add("subscription_tags", f"at most {MAX_TAGS} tags")
    else:
        check_tags(v, "subscription_tags", list(request.subscription_tags))
    if not 0 <= request.limit <= MAX_LIMIT:
        v.add("limit", f"must be between 1 and {MAX_LIMIT} (0: {DEFAULT_LIMIT})")
    env = request.environment
    if env.HasField("place"):
        check_geo_point(v, "environment.place", env.place)
    if env.HasField("time") and not valid_timestamp(env.time.seconds, env.time.nanos):
        v.add("environment.time", "is not a valid timestamp")
    check_id(v, "environment.device_id", env.device_id, required=False)
    if env.merchant_category_code and not (
        len(env.merchant_category_code) == 4 and env.merchant_category_code.isascii()
        and env.merchant_category_code.isdigit()
    ):  # fmt: skip
        v.add("environment.merchant_category_code", "must be four digits (ISO 18245)")
    if env.HasField("amount"):
        check_money(v, "environment.amount", env.amount, positive=False)
    if len(env.locale) > 35:
        v.add("environment.locale", "must be a BCP 47 tag")
    v.raise_if_any()
    return PushQuery(
        terminal_id=request.terminal_id,
        user_id=request.user_id,
        tags=frozenset(request.subscription_tags),
        place=(env.place.latitude, env.place.longitude) if env.HasField("place") else None,
        epoch_seconds=env.time.seconds if env.HasField("time") else time.time(),
        device_id=env.device_id,
        mcc=env.merchant_category_code,
        amount_minor=env.amount.minor_units if env.HasField("amount") else None,
        chinese=(env.locale or "zh-CN").lower().startswith("zh"),
        limit=request.limit or DEFAULT_LIMIT,
    )
