"""Offline bills: each offline transaction signed by its terminal, numbered per device from 1.

On a compromised device the attacker also tampers with the sequence, around their own bills in turn:
deleting bills before one (a gap), replaying one's number on a forged bill (a replay), and resubmitting
one with a raised amount under the original signature (a bad signature). The events a faithful ingest
service must report for them come with the bills.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2

from .arrays import mix
from .keys import sign
from .scenarios import COMPROMISED_DEVICE, code
from .stream import TransactionBatch
from .world import World

Kind = ingest_pb2.SequenceEventKind
# What the attacker does around their k-th bill on a device: k % 3 picks the trick.
GAP, REPLAY, TAMPER = 0, 1, 2
MAX_DELETED = 3


@dataclass(frozen=True, slots=True)
class SignedBills:
    # In the order to sync them.
    bills: list[common_pb2.OfflineBill] = field(default_factory=list)
    # What syncing them in that order must report.
    events: list[ingest_pb2.SequenceEvent] = field(default_factory=list)


def bill_id(device_id: str, sequence: int) -> str:
    return f"{device_id}.b{sequence}"


class BillSigner:
    """Signs the offline transactions of consecutive batches of one stream, keeping each device's count."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._last_sequence: dict[int, int] = {}
        self._attacker_bills: dict[int, int] = {}

    def sign(self, batch: TransactionBatch, transactions: list[common_pb2.Transaction]) -> SignedBills:
        """Bills for the batch's offline transactions; `transactions` are the batch's, as messages."""
        c = batch.columns
        signed = SignedBills()
        offline = np.flatnonzero(c.channel == common_pb2.CHANNEL_OFFLINE)
        deleted = 1 + mix(batch.numbers[offline], self._world.config.seed) % MAX_DELETED
        attacked = c.scenario[offline] == code(COMPROMISED_DEVICE)
        for i, attack, skip in zip(offline.tolist(), attacked.tolist(), deleted.tolist(), strict=True):
            device = int(c.device[i])
            trick = self._next_trick(device) if attack else None
            previous = self._last_sequence.get(device, 0)
            sequence = previous + 1 + (skip if trick == GAP else 0)
            payload = self._payload(device, sequence, transactions[i])
            signed.bills.append(self._signed(device, payload))
            self._last_sequence[device] = sequence
            if trick == GAP:
                signed.events.append(
                    _event(Kind.SEQUENCE_EVENT_KIND_GAP, payload, previous + 1, sequence - 1)
                )
            elif trick == REPLAY:
                self._replay(signed, device, payload)
            elif trick == TAMPER:
                self._tamper(signed, payload, signed.bills[-1].signature)
        return signed

    def _next_trick(self, device: int) -> int:
        k = self._attacker_bills.get(device, 0)
        self._attacker_bills[device] = k + 1
        return k % 3

    def _payload(
        self, device: int, sequence: int, transaction: common_pb2.Transaction, bill: str | None = None
    ) -> common_pb2.OfflineBillPayload:
        device_id = self._world.devices.ids[device]
        return common_pb2.OfflineBillPayload(
            bill_id=bill or bill_id(device_id, sequence),
            device_id=device_id,
            sequence=sequence,
            transaction=transaction,
            captured_at=transaction.occurred_at,
        )

    def _signed(self, device: int, payload: common_pb2.OfflineBillPayload) -> common_pb2.OfflineBill:
        data = payload.SerializeToString(deterministic=True)
        return common_pb2.OfflineBill(
            payload=data, signature=sign(self._world.devices.keys.private_key(device), data)
        )

    def _replay(self, signed: SignedBills, device: int, genuine: common_pb2.OfflineBillPayload) -> None:
        """A forged bill of another transaction, signed by the device, reusing the genuine bill's number."""
        forged = common_pb2.Transaction()
        forged.CopyFrom(genuine.transaction)
        forged.transaction_id += "-replay"
        forged.amount.minor_units *= 2
        forged.fee.minor_units *= 2
        payload = self._payload(device, genuine.sequence, forged, bill=f"{genuine.bill_id}-replay")
        signed.bills.append(self._signed(device, payload))
        signed.events.append(_event(Kind.SEQUENCE_EVENT_KIND_REPLAY, payload))

    def _tamper(self, signed: SignedBills, genuine: common_pb2.OfflineBillPayload, signature: bytes) -> None:
        """The genuine bill again with its amount raised, under the signature of the original bytes."""
        tampered = common_pb2.OfflineBillPayload()
        tampered.CopyFrom(genuine)
        tampered.transaction.amount.minor_units *= 10
        data = tampered.SerializeToString(deterministic=True)
        signed.bills.append(common_pb2.OfflineBill(payload=data, signature=signature))
        signed.events.append(_event(Kind.SEQUENCE_EVENT_KIND_BAD_SIGNATURE, tampered))


def _event(
    kind: int, payload: common_pb2.OfflineBillPayload, first: int | None = None, last: int | None = None
) -> ingest_pb2.SequenceEvent:
    """The event for a bill; a gap also names its first and last missing numbers."""
    return ingest_pb2.SequenceEvent(
        device_id=payload.device_id,
        kind=kind,  # type: ignore[arg-type]
        first_sequence=payload.sequence if first is None else first,
        last_sequence=payload.sequence if last is None else last,
        bill_id=payload.bill_id,
    )
