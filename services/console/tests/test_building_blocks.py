"""The console's plain parts: password hashes, the session cookie, query parsing, chart figures, latency."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from payrisk.common.v1 import common_pb2
from payrisk_console import charts, stats
from payrisk_console.auth.accounts import Role, load_accounts, parse_accounts
from payrisk_console.auth.passwords import hash_password, verify_password
from payrisk_console.auth.sessions import SessionCodec
from payrisk_console.errors import BadQuery
from payrisk_console.live import DecisionRate, LatencyTracker
from payrisk_console.queue import parse_queue_filter
from payrisk_console.settings import ConsoleSettings


def test_a_password_verifies_against_its_hash_and_nothing_else():
    stored = hash_password("correct horse", n=2**10)
    assert stored.startswith("scrypt$1024$8$1$")
    assert verify_password("correct horse", stored)
    assert not verify_password("correct horsf", stored)
    assert not verify_password("correct horse", "scrypt$garbage")
    assert hash_password("correct horse", n=2**10) != stored  # salted


def test_the_session_cookie_rejects_forgery_and_expiry():
    codec = SessionCodec(b"k" * 32, max_age_seconds=60)
    value = codec.encode({"user": "ana", "role": "analyst"}, now=1000)
    assert codec.decode(value, now=1030) == {"user": "ana", "role": "analyst"}
    assert codec.decode(value, now=1061) == {}
    assert SessionCodec(b"x" * 32, 60).decode(value, now=1030) == {}
    body, _, signature = value.partition(".")
    assert codec.decode(body + "x." + signature, now=1030) == {}
    assert codec.decode("not a cookie", now=1030) == {}


def test_accounts_come_from_the_operator_setting_and_a_file(tmp_path):
    analyst_hash = hash_password("a-pass", n=2**10)
    accounts_file = tmp_path / "accounts"
    accounts_file.write_text(f"# analysts\nana analyst {analyst_hash}\n\n")
    book = load_accounts(
        ConsoleSettings(data_dir=tmp_path, operator_password="op-pass", accounts_file=accounts_file)
    )
    assert book.names() == ["admin", "ana"]
    with pytest.raises(ValueError, match="accounts:1"):
        parse_accounts("bob boss plain-password", "accounts")


async def test_without_a_password_the_operator_gets_a_private_random_one(tmp_path):
    settings = ConsoleSettings(data_dir=tmp_path)
    book = load_accounts(settings)
    password_file = settings.generated_password_file()
    assert oct(os.stat(password_file).st_mode & 0o777) == "0o600"
    account = await book.authenticate("admin", password_file.read_text().strip())
    assert account is not None
    assert account.role is Role.OPERATOR
    assert await book.authenticate("admin", "guess") is None
    # The same password on the next start.
    assert await load_accounts(settings).authenticate("admin", password_file.read_text().strip()) is not None


def test_queue_filters_parse_and_name_every_bad_parameter():
    wanted = parse_queue_filter(
        {"merchant": "m-1", "outcome": "decline", "min_score": "0.5", "since": "2024-05-01"}
    )
    request = wanted.list_request()
    assert list(request.outcomes) == [common_pb2.OUTCOME_DECLINE]
    assert request.newest_first
    assert request.min_score == 0.5
    assert request.start_time.ToDatetime(dt.UTC) == dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    assert list(parse_queue_filter({}).list_request().outcomes) == [
        common_pb2.OUTCOME_REVIEW,
        common_pb2.OUTCOME_DECLINE,
    ]
    with pytest.raises(BadQuery) as caught:
        parse_queue_filter(
            {
                "merchant": "bad id!",
                "min_score": "high",
                "until": "2024-01-01",
                "since": "2024-02-01",
                "page_size": "0",
            }
        )
    assert [v.field for v in caught.value.violations] == ["merchant", "min_score", "until", "page_size"]


def test_score_histogram_and_time_buckets():
    assert stats.score_histogram([0.0, 0.04, 0.5, 1.0], bins=10) == [2, 0, 0, 0, 0, 1, 0, 0, 0, 1]
    start = dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.UTC)
    decided = [
        stats.Decided(0.9, "decline", start),
        stats.Decided(0.4, "review", start + dt.timedelta(minutes=5)),
        stats.Decided(0.4, "review", start + dt.timedelta(hours=3)),
    ]
    width, buckets = stats.decisions_over_time(decided)
    assert width == dt.timedelta(minutes=10)
    assert buckets[0].counts == {"decline": 1, "review": 1}
    assert buckets[-1].counts == {"review": 1}
    assert sum(b.total for b in buckets) == 3


def test_charts_escape_what_they_draw():
    svg = charts.indicators_against_peers([charts.IndicatorRow("<script>", 0.5, [0.1, 0.2], str)])
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_decisions_per_second_slide_with_the_window():
    rate = DecisionRate(window_seconds=10)
    for t in (100.2, 100.7, 105.1):
        rate.add(t, "review", now=106)
    rate.add(80.0, "review", now=106)  # older than the window
    series = rate.series(now=106.5, outcomes=["review", "approve"])
    assert len(series["review"]) == 10
    assert sum(series["review"]) == 3
    assert sum(series["approve"]) == 0
    rate.prune(now=112)
    assert sum(rate.series(now=112, outcomes=["review"])["review"]) == 1


METRICS = """# TYPE payrisk_rpc_duration_seconds histogram
payrisk_rpc_duration_seconds_sum{{method="AnchorRecords",service="payrisk.ledger.v1.LedgerService"}} {anchor_sum}
payrisk_rpc_duration_seconds_count{{method="AnchorRecords",service="payrisk.ledger.v1.LedgerService"}} {anchor_count}
payrisk_rpc_duration_seconds_sum{{method="GetFreeze",service="payrisk.ledger.v1.LedgerService"}} 9.0
payrisk_rpc_duration_seconds_count{{method="GetFreeze",service="payrisk.ledger.v1.LedgerService"}} 90.0
"""


def test_commit_latency_is_the_mean_of_the_commits_since_the_last_look():
    tracker = LatencyTracker(window=60)
    assert tracker.observe(1.0, LatencyTracker.totals(METRICS.format(anchor_sum=1.0, anchor_count=4))) is None
    mean = tracker.observe(2.0, LatencyTracker.totals(METRICS.format(anchor_sum=1.6, anchor_count=6)))
    assert mean == pytest.approx(0.3)  # reads (GetFreeze) are not commits
    assert tracker.observe(3.0, LatencyTracker.totals(METRICS.format(anchor_sum=1.6, anchor_count=6))) is None
    # A restarted ledger starts from zero: that interval says nothing.
    assert tracker.observe(4.0, LatencyTracker.totals(METRICS.format(anchor_sum=0.1, anchor_count=1))) is None


def test_the_ledgers_own_commit_histogram_is_preferred():
    text = METRICS.format(anchor_sum=5.0, anchor_count=5) + (
        "# TYPE payrisk_ledger_commit_seconds histogram\n"
        'payrisk_ledger_commit_seconds_sum{backend="fabric",operation="anchor"} 0.6\n'
        'payrisk_ledger_commit_seconds_count{backend="fabric",operation="anchor"} 3.0\n'
        'payrisk_ledger_commit_seconds_sum{backend="fabric",operation="freeze"} 0.2\n'
        'payrisk_ledger_commit_seconds_count{backend="fabric",operation="freeze"} 1.0\n'
    )
    assert LatencyTracker.totals(text) == pytest.approx((0.8, 4.0))
