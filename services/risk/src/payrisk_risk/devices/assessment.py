"""Assessing a device: cluster its bills by business tag set, verify each, correlate the failures,
merge the sequences, and decide a security level.

Levels: COMPROMISED when there is evidence of forgery (a signature that fails, a replayed number, an altered
bill submitted, several checks failing together on the same bills); AT_RISK when anything else is off (a
gap, a bill inconsistent with the registration); SECURE otherwise.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from payrisk.ingest.v1 import ingest_pb2
from payrisk.risk.v1 import risk_pb2

from . import checks, correlation
from .bills import DeviceBill
from .checks import CHECKS, Registration, check_bill
from .findings import CRITICAL, LOW, Finding, check_findings, correlation_finding, event_findings, gap_finding
from .sequence import merge, sequence_failures

# Two checks whose failures correlate at least this much, on at least this many bills, act together.
CORRELATED = 0.8
CORRELATED_BILLS = 3


@dataclass(frozen=True)
class TagCluster:
    tag_set: str
    bills: int
    failed: int


@dataclass(frozen=True)
class Assessment:
    device_id: str
    level: int
    findings: tuple[Finding, ...]
    clusters: tuple[TagCluster, ...]
    correlation: float
    merged_bills: int
    missing_sequences: int
    # SHA-256 of the bills and events assessed: the state the verdict is about.
    evidence: str


def _evidence(bills: list[DeviceBill], events: list[ingest_pb2.SequenceEvent]) -> str:
    digest = hashlib.sha256()
    for bill in sorted(bills, key=lambda b: (b.sequence, b.bill_id)):
        for part in (bill.bill_id.encode(), bill.payload, bill.signature):
            digest.update(len(part).to_bytes(8, "big") + part)
    for event in sorted(events, key=lambda e: (e.kind, e.first_sequence, e.bill_id)):
        part = f"{event.kind}:{event.first_sequence}:{event.last_sequence}:{event.bill_id}".encode()
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _level(findings: list[Finding]) -> int:
    worst = max((f.severity for f in findings), default=LOW)
    if worst >= CRITICAL:
        return risk_pb2.SECURITY_LEVEL_COMPROMISED
    if worst > LOW:
        return risk_pb2.SECURITY_LEVEL_AT_RISK
    return risk_pb2.SECURITY_LEVEL_SECURE


def assess(
    registration: Registration,
    bills: list[DeviceBill],
    events: list[ingest_pb2.SequenceEvent],
    last_sequence: int,
) -> Assessment:
    by_tags: dict[str, list[DeviceBill]] = defaultdict(list)
    for bill in bills:
        by_tags[bill.tag_set].append(bill)
    merged = merge(by_tags.values(), last_sequence)
    in_sequence = sequence_failures(merged, events)
    failures: NDArray[np.bool_] = np.zeros((len(merged.bills), len(CHECKS)), dtype=bool)
    failed: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row, bill in enumerate(merged.bills):
        reasons = check_bill(bill, registration)
        if bill.bill_id in in_sequence:
            reasons[checks.SEQUENCE] = in_sequence[bill.bill_id]
        for check, reason in reasons.items():
            failures[row, CHECKS.index(check)] = True
            failed[(check, bill.tag_set)].append(f"{bill.bill_id} #{bill.sequence} {reason}")
    pairs = correlation.pairwise(failures, CHECKS)
    strong = {k: v for k, v in pairs.items() if v >= CORRELATED}
    together = (
        failures[:, [CHECKS.index(a) for a, _ in strong]] & failures[:, [CHECKS.index(b) for _, b in strong]]
    )
    findings = [
        *check_findings(failed),
        *event_findings(events),
        *gap_finding(merged.missing, merged.missing_count),
        *(correlation_finding(strong, CORRELATED) if together.any(axis=1).sum() >= CORRELATED_BILLS else []),
    ]
    failing = [bool(row.any()) for row in failures]
    failed_bills = {bill.bill_id for bill, failed in zip(merged.bills, failing, strict=True) if failed}
    clusters = tuple(
        TagCluster(tag_set, len(group), sum(b.bill_id in failed_bills for b in group))
        for tag_set, group in sorted(by_tags.items())
    )
    return Assessment(
        device_id=registration.device.device_id,
        level=_level(findings),
        findings=tuple(findings),
        clusters=clusters,
        correlation=correlation.overall(pairs),
        merged_bills=len(merged.bills),
        missing_sequences=merged.missing_count,
        evidence=_evidence(bills, events),
    )
