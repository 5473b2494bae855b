"""The review queue: which transactions an analyst sees, from the page's query parameters.

The queue holds what risk decided REVIEW or DECLINE, newest first; the analyst narrows it by merchant,
outcome, minimum score and time. Bad parameters are refused by name, before any service is called.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk_runtime import FieldViolation
from payrisk_runtime.validation import ID_PATTERN

from .errors import BadQuery

QUEUE_OUTCOMES: dict[str, common_pb2.Outcome] = {
    "review": common_pb2.OUTCOME_REVIEW,
    "decline": common_pb2.OUTCOME_DECLINE,
}
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
_TIME_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
_MAX_TOKEN = 512


@dataclass(frozen=True, slots=True)
class QueueFilter:
    merchant_id: str = ""
    # Empty: both REVIEW and DECLINE.
    outcome: str = ""
    min_score: float = 0.0
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    page_size: int = DEFAULT_PAGE_SIZE
    page_token: str = ""

    def outcomes(self) -> list[common_pb2.Outcome]:
        return [QUEUE_OUTCOMES[self.outcome]] if self.outcome else list(QUEUE_OUTCOMES.values())

    def list_request(
        self, *, page_size: int | None = None, any_outcome: bool = False
    ) -> ingest_pb2.ListTransactionsRequest:
        """The ingest query; `any_outcome` widens it to every decision (for the score distribution)."""
        request = ingest_pb2.ListTransactionsRequest(
            merchant_id=self.merchant_id,
            outcomes=[] if any_outcome else self.outcomes(),
            min_score=0.0 if any_outcome else self.min_score,
            newest_first=True,
            page_size=page_size or self.page_size,
            page_token="" if page_size else self.page_token,
        )
        if self.since is not None:
            request.start_time.FromDatetime(self.since)
        if self.until is not None:
            request.end_time.FromDatetime(self.until)
        return request

    def query(self, **changes: str) -> dict[str, str]:
        """The filter as query parameters (for links that keep it), with `changes` applied."""
        values = {
            "merchant": self.merchant_id,
            "outcome": self.outcome,
            "min_score": f"{self.min_score:g}" if self.min_score else "",
            "since": self.since.strftime("%Y-%m-%dT%H:%M") if self.since else "",
            "until": self.until.strftime("%Y-%m-%dT%H:%M") if self.until else "",
            "page_size": str(self.page_size) if self.page_size != DEFAULT_PAGE_SIZE else "",
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v}


def parse_time(name: str, text: str, problems: list[FieldViolation]) -> dt.datetime | None:
    if not text:
        return None
    for pattern in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    problems.append(FieldViolation(name, "must be a date (2024-05-31) or a time (2024-05-31T14:30), in UTC"))
    return None


def check_id(name: str, value: str, problems: list[FieldViolation], *, required: bool = False) -> str:
    if not value:
        if required:
            problems.append(FieldViolation(name, "is required"))
        return ""
    if not ID_PATTERN.match(value):
        problems.append(FieldViolation(name, "must be 1-128 letters, digits and . _ : @ / -"))
    return value


def parse_queue_filter(params: Mapping[str, str]) -> QueueFilter:
    problems: list[FieldViolation] = []
    merchant_id = check_id("merchant", params.get("merchant", "").strip(), problems)
    outcome = params.get("outcome", "").strip().lower()
    if outcome not in ("", *QUEUE_OUTCOMES):
        problems.append(FieldViolation("outcome", "must be review or decline (or empty for both)"))
    min_score = 0.0
    raw_score = params.get("min_score", "").strip()
    if raw_score:
        try:
            min_score = float(raw_score)
        except ValueError:
            min_score = -1.0
        if not 0.0 <= min_score <= 1.0:
            problems.append(FieldViolation("min_score", "must be a number between 0 and 1"))
    since = parse_time("since", params.get("since", "").strip(), problems)
    until = parse_time("until", params.get("until", "").strip(), problems)
    if since and until and since >= until:
        problems.append(FieldViolation("until", "must be after since"))
    page_size = DEFAULT_PAGE_SIZE
    raw_size = params.get("page_size", "").strip()
    if raw_size:
        page_size = int(raw_size) if raw_size.isdigit() else 0
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            problems.append(FieldViolation("page_size", f"must be a whole number from 1 to {MAX_PAGE_SIZE}"))
    page_token = params.get("page", "")
    if len(page_token) > _MAX_TOKEN:
        problems.append(FieldViolation("page", "is not a page of this queue"))
    if problems:
        raise BadQuery("; ".join(f"{p.field} {p.description}" for p in problems), problems)
    return QueueFilter(merchant_id, outcome, min_score, since, until, page_size, page_token)


def require_id(name: str, value: str, *, required: bool = True) -> str:
    """An id from a path or form, checked like the services check ids; refused by name when bad."""
    problems: list[FieldViolation] = []
    check_id(name, value, problems, required=required)
    if problems:
        raise BadQuery.field(problems[0].field, problems[0].description)
    return value
