"""Merging a device's bill sequences and what the merged sequence says: numbers missing, numbers held
twice, and the bills that ingest's sequence events point at.

Bills are grouped by business tag set; each group is a subsequence of the device's one numbering, and the
merge restores the whole to check its continuity from 1 to the highest number the device has used.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from payrisk.ingest.v1 import ingest_pb2

from .bills import DeviceBill

Kind = ingest_pb2.SequenceEventKind


@dataclass(frozen=True)
class MergedSequence:
    bills: list[DeviceBill]
    # Inclusive ranges of numbers no stored bill holds.
    missing: list[tuple[int, int]]
    # Numbers more than one stored bill holds.
    duplicated: list[int]

    @property
    def missing_count(self) -> int:
        return sum(last - first + 1 for first, last in self.missing)


def merge(streams: Iterable[list[DeviceBill]], last_sequence: int) -> MergedSequence:
    """One sequence from the per-group ones; `last_sequence` is the highest number ingest accepted."""
    ordered = list(
        heapq.merge(*(sorted(s, key=lambda b: b.sequence) for s in streams), key=lambda b: b.sequence)
    )
    numbers = [b.sequence for b in ordered]
    duplicated = sorted({n for n, m in pairwise(numbers) if n == m})
    missing = []
    expected = 1
    for n in numbers:
        if n > expected:
            missing.append((expected, n - 1))
        expected = max(expected, n + 1)
    if last_sequence >= expected:
        missing.append((expected, last_sequence))
    return MergedSequence(ordered, missing, duplicated)


def sequence_failures(merged: MergedSequence, events: list[ingest_pb2.SequenceEvent]) -> dict[str, str]:
    """Per bill id, why its place in the sequence is suspect."""
    failures: dict[str, str] = {}
    starts_after_gap = {last + 1: (first, last) for first, last in merged.missing}
    by_number: dict[int, list[DeviceBill]] = defaultdict(list)
    for bill in merged.bills:
        by_number[bill.sequence].append(bill)
        if bill.sequence in starts_after_gap:
            first, last = starts_after_gap[bill.sequence]
            failures[bill.bill_id] = f"follows missing numbers {first}-{last}"
        if bill.sequence in merged.duplicated:
            failures[bill.bill_id] = f"shares number {bill.sequence} with another bill"
    reasons = {
        Kind.SEQUENCE_EVENT_KIND_REPLAY: "its number was reused by bill {bill}",
        Kind.SEQUENCE_EVENT_KIND_BAD_SIGNATURE: "an altered copy was submitted as bill {bill}",
        Kind.SEQUENCE_EVENT_KIND_OUT_OF_ORDER: "arrived after higher numbers",
    }
    for event in events:
        reason = reasons.get(event.kind)
        if reason is None:
            continue
        for bill in by_number.get(event.first_sequence, []):
            failures.setdefault(bill.bill_id, reason.format(bill=event.bill_id))
    return failures
