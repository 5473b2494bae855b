"""Syncing offline bills: signatures, per-device sequence continuity, replays and gaps."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk_runtime.validation import check_id

from .models import DeviceRow
from .signatures import signature_valid
from .store import BillChanges, IngestStore, NewTransaction, to_row
from .validation import transaction_violations

Kind = ingest_pb2.SequenceEventKind
# Sequences are stored as signed 64-bit integers.
MAX_SEQUENCE = 2**63 - 1


@dataclass(slots=True)
class _Candidate:
    index: int
    bill: common_pb2.OfflineBill
    payload: common_pb2.OfflineBillPayload


@dataclass(slots=True)
class SyncResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[common_pb2.ItemError] = field(default_factory=list)
    events: list[ingest_pb2.SequenceEvent] = field(default_factory=list)
    new_transactions: list[NewTransaction] = field(default_factory=list)


def _error(index: int, bill_id: str, fld: str, description: str, code: int) -> common_pb2.ItemError:
    return common_pb2.ItemError(index=index, id=bill_id, field=fld, description=description, code=code)  # type: ignore[arg-type]


class BillSync:
    def __init__(self, store: IngestStore, initial_scoring_state: int) -> None:
        self._store = store
        self._initial_scoring_state = initial_scoring_state

    def sync(self, bills: list[common_pb2.OfflineBill], now_us: int) -> SyncResult:
        result = SyncResult()
        candidates = self._parse(bills, result)
        devices = self._store.registry.devices(sorted({c.payload.device_id for c in candidates}))
        verified = self._verify(candidates, devices, result, now_us)
        fresh = self._drop_known(verified, result)
        changes = self._sequence(fresh, {d: row.last_sequence for d, row in devices.items()}, result, now_us)
        result.new_transactions = self._store.bills.save(changes)
        result.rejected.sort(key=lambda e: e.index)
        return result

    def _parse(self, bills: list[common_pb2.OfflineBill], result: SyncResult) -> list[_Candidate]:
        candidates = []
        for index, bill in enumerate(bills):
            prefix = f"bills[{index}]"
            payload = common_pb2.OfflineBillPayload()
            try:
                payload.ParseFromString(bill.payload)
            except DecodeError:
                result.rejected.append(
                    _error(index, "", f"{prefix}.payload", "is not an OfflineBillPayload", 1)
                )
                continue
            violations = transaction_violations(
                _as_offline(payload.transaction), f"{prefix}.payload.transaction"
            )
            check_id(violations, f"{prefix}.payload.bill_id", payload.bill_id)
            check_id(violations, f"{prefix}.payload.device_id", payload.device_id)
            if not 1 <= payload.sequence <= MAX_SEQUENCE:
                violations.add(f"{prefix}.payload.sequence", f"must be between 1 and {MAX_SEQUENCE}")
            if payload.transaction.device_id != payload.device_id:
                violations.add(f"{prefix}.payload.transaction.device_id", "must be the bill's device")
            if payload.transaction.channel == common_pb2.CHANNEL_ONLINE:
                violations.add(f"{prefix}.payload.transaction.channel", "must be offline for a bill")
            if not bill.signature:
                violations.add(f"{prefix}.signature", "is required")
            if violations:
                first = violations.items[0]
                result.rejected.append(_error(index, payload.bill_id, first.field, first.description, 1))
                continue
            candidates.append(_Candidate(index, bill, payload))
        return candidates

    def _verify(
        self,
        candidates: list[_Candidate],
        devices: dict[str, DeviceRow],
        result: SyncResult,
        now_us: int,
    ) -> list[_Candidate]:
        verified = []
        for c in candidates:
            device = devices.get(c.payload.device_id)
            if device is None:
                result.rejected.append(
                    _error(
                        c.index, c.payload.bill_id, f"bills[{c.index}].payload.device_id", "unknown device", 3
                    )
                )
            elif not signature_valid(device.public_key_pem, c.bill.payload, c.bill.signature):
                result.rejected.append(
                    _error(
                        c.index,
                        c.payload.bill_id,
                        f"bills[{c.index}].signature",
                        "does not verify with the device's registered key",
                        4,
                    )
                )
                result.events.append(_event(c, Kind.SEQUENCE_EVENT_KIND_BAD_SIGNATURE, now_us))
            else:
                verified.append(c)
        return verified

    def _drop_known(self, candidates: list[_Candidate], result: SyncResult) -> list[_Candidate]:
        stored = self._store.bills.stored_payloads([c.payload.bill_id for c in candidates])
        fresh: dict[str, _Candidate] = {}
        for c in candidates:
            bill_id = c.payload.bill_id
            previous = stored.get(bill_id) or (fresh[bill_id].bill.payload if bill_id in fresh else None)
            if previous is None:
                fresh[bill_id] = c
            elif previous == c.bill.payload:
                result.duplicates += 1
            else:
                result.rejected.append(
                    _error(
                        c.index,
                        bill_id,
                        f"bills[{c.index}].payload.bill_id",
                        "already synced with different content",
                        2,
                    )
                )
        return list(fresh.values())

    def _sequence(
        self, candidates: list[_Candidate], last_seen: dict[str, int], result: SyncResult, now_us: int
    ) -> BillChanges:
        by_device: dict[str, list[_Candidate]] = defaultdict(list)
        for c in candidates:
            by_device[c.payload.device_id].append(c)
        changes = BillChanges(bills=[], transactions=[], events=[], last_sequences={})
        for device_id, items in by_device.items():
            items.sort(key=lambda c: c.payload.sequence)
            used = self._store.bills.used_sequences(device_id, [c.payload.sequence for c in items])
            last = last_seen.get(device_id, 0)
            for c in items:
                seq = c.payload.sequence
                if seq in used:
                    result.rejected.append(
                        _error(
                            c.index,
                            c.payload.bill_id,
                            f"bills[{c.index}].payload.sequence",
                            f"sequence {seq} was already used by bill {used[seq]}",
                            5,
                        )
                    )
                    result.events.append(_event(c, Kind.SEQUENCE_EVENT_KIND_REPLAY, now_us))
                    continue
                if seq > last + 1:
                    result.events.append(_event(c, Kind.SEQUENCE_EVENT_KIND_GAP, now_us, last + 1, seq - 1))
                elif seq < last:
                    result.events.append(_event(c, Kind.SEQUENCE_EVENT_KIND_OUT_OF_ORDER, now_us))
                used[seq] = c.payload.bill_id
                last = max(last, seq)
                self._accept(c, changes, now_us)
                result.accepted += 1
            changes.last_sequences[device_id] = last
        changes.events.extend(_event_row(e) for e in result.events)
        return changes

    def _accept(self, c: _Candidate, changes: BillChanges, now_us: int) -> None:
        p = c.payload
        changes.bills.append(
            {
                "bill_id": p.bill_id,
                "device_id": p.device_id,
                "sequence": p.sequence,
                "transaction_id": p.transaction.transaction_id,
                "payload": c.bill.payload,
                "signature": c.bill.signature,
                "synced_at_us": now_us,
            }
        )
        tx = _as_offline(p.transaction)
        payload = tx.SerializeToString(deterministic=True)
        changes.transactions.append(
            NewTransaction(
                c.index,
                tx.transaction_id,
                payload,
                to_row(tx, payload, now_us, self._initial_scoring_state, p.bill_id),
            )
        )


def _as_offline(transaction: common_pb2.Transaction) -> common_pb2.Transaction:
    """A bill's transaction is offline by nature, whether or not the terminal set the channel."""
    if transaction.channel == common_pb2.CHANNEL_OFFLINE:
        return transaction
    copy = common_pb2.Transaction()
    copy.CopyFrom(transaction)
    copy.channel = common_pb2.CHANNEL_OFFLINE
    return copy


def _event(
    c: _Candidate, kind: int, now_us: int, first: int | None = None, last: int | None = None
) -> ingest_pb2.SequenceEvent:
    event = ingest_pb2.SequenceEvent(
        device_id=c.payload.device_id,
        kind=kind,  # type: ignore[arg-type]
        first_sequence=c.payload.sequence if first is None else first,
        last_sequence=c.payload.sequence if last is None else last,
        bill_id=c.payload.bill_id,
    )
    event.detected_at.FromMicroseconds(now_us)
    return event


def _event_row(e: ingest_pb2.SequenceEvent) -> dict[str, object]:
    return {
        "device_id": e.device_id,
        "kind": e.kind,
        "first_sequence": e.first_sequence,
        "last_sequence": e.last_sequence,
        "bill_id": e.bill_id,
        "detected_at_us": e.detected_at.ToMicroseconds(),
    }
