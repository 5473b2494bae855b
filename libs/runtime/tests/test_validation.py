"""The shared field checks."""

from __future__ import annotations

import pytest
from payrisk.common.v1 import common_pb2
from payrisk_runtime.validation import Violations, check_id, check_money, check_past_timestamp


@pytest.mark.parametrize(
    ("money", "fields"),
    [
        (common_pb2.Money(currency_code="CNY", minor_units=100), []),
        (common_pb2.Money(currency_code="CNY", minor_units=0), ["amount.minor_units"]),
        (common_pb2.Money(currency_code="cny", minor_units=5), ["amount.currency_code"]),
        (common_pb2.Money(), ["amount"]),
    ],
)
def test_money(money, fields):
    violations = Violations()
    check_money(violations, "amount", money)
    assert [v.field for v in violations.items] == fields


def test_ids_and_timestamps():
    violations = Violations()
    check_id(violations, "id", "ok-1")
    check_id(violations, "blank", "")
    check_id(violations, "spaces", "has spaces")
    check_id(violations, "long", "x" * 129)
    check_past_timestamp(violations, "future", 2_000_000_000, 0, now=1_700_000_000)
    check_past_timestamp(violations, "past", 1_600_000_000, 0, now=1_700_000_000)
    assert [v.field for v in violations.items] == ["blank", "spaces", "long", "future"]
