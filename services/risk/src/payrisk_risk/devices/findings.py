"""Findings: what verification found, one per kind of problem and tag set, with how serious it is."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2

from . import checks

Kind = ingest_pb2.SequenceEventKind
LOW, MEDIUM, HIGH, CRITICAL = (
    common_pb2.RISK_LEVEL_LOW,
    common_pb2.RISK_LEVEL_MEDIUM,
    common_pb2.RISK_LEVEL_HIGH,
    common_pb2.RISK_LEVEL_CRITICAL,
)
# Per failed check: the finding's kind and severity.
CHECK_FINDINGS: dict[str, tuple[str, int]] = {
    checks.SIGNATURE: ("bad_signature", CRITICAL),
    checks.SEQUENCE: ("sequence_anomaly", MEDIUM),
    checks.DEVICE: ("device_mismatch", HIGH),
    checks.MERCHANT: ("merchant_mismatch", HIGH),
    checks.CATEGORY: ("category_mismatch", MEDIUM),
    checks.LOCATION: ("location_mismatch", MEDIUM),
    checks.TAGS: ("tag_mismatch", LOW),
    checks.TIME: ("time_inconsistency", MEDIUM),
}
# Per ingest sequence event: the finding's kind and severity. A replayed number or an altered bill signed
# in the device's name means someone is forging its bills.
EVENT_FINDINGS: dict[int, tuple[str, int]] = {
    Kind.SEQUENCE_EVENT_KIND_BAD_SIGNATURE: ("rejected_bad_signature", CRITICAL),
    Kind.SEQUENCE_EVENT_KIND_REPLAY: ("replay", CRITICAL),
    Kind.SEQUENCE_EVENT_KIND_OUT_OF_ORDER: ("out_of_order", LOW),
}
SHOWN = 5


@dataclass(frozen=True)
class Finding:
    kind: str
    detail: str
    severity: int
    tag_set: str = ""


def _listed(items: list[str]) -> str:
    more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return "; ".join(items[:SHOWN]) + more


def check_findings(failed: dict[tuple[str, str], list[str]]) -> list[Finding]:
    """From (check, tag set) -> the failing bills' descriptions."""
    found = []
    for (check, tag_set), bills in sorted(failed.items()):
        kind, severity = CHECK_FINDINGS[check]
        found.append(Finding(kind, f"{len(bills)} bill(s): {_listed(bills)}", severity, tag_set))
    return found


def event_findings(events: list[ingest_pb2.SequenceEvent]) -> list[Finding]:
    grouped: dict[int, list[str]] = defaultdict(list)
    for e in events:
        if e.kind in EVENT_FINDINGS:
            grouped[e.kind].append(f"bill {e.bill_id} (number {e.first_sequence})")
    found = []
    for kind_code, items in sorted(grouped.items()):
        kind, severity = EVENT_FINDINGS[kind_code]
        found.append(Finding(kind, f"{len(items)} rejected or late bill(s): {_listed(items)}", severity))
    return found


def gap_finding(missing: list[tuple[int, int]], count: int) -> list[Finding]:
    if not missing:
        return []
    ranges = [f"{a}-{b}" if a != b else str(a) for a, b in missing]
    severity = HIGH if count >= 10 else MEDIUM
    return [Finding("sequence_gap", f"{count} number(s) missing: {_listed(ranges)}", severity)]


def correlation_finding(pairs: dict[tuple[str, str], float], threshold: float) -> list[Finding]:
    """Checks that fail together on the same bills: one cause acting on them."""
    strong = sorted((f"{a}+{b} {v:.2f}" for (a, b), v in pairs.items() if v >= threshold))
    if not strong:
        return []
    return [Finding("correlated_failures", f"checks failing on the same bills: {_listed(strong)}", CRITICAL)]
