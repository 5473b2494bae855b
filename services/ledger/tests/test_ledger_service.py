"""The ledger's behaviour over gRPC: freezes, history, anchoring, receipts and their verification."""

from __future__ import annotations

import grpc
import pytest
from ledger_factories import anchor, records
from payrisk.common.v1 import common_pb2
from payrisk.ledger.v1 import ledger_pb2
from payrisk_runtime import field_violations


def freeze_request(freeze_id: str = "fz-1", **overrides) -> ledger_pb2.FreezeFundsRequest:
    request = ledger_pb2.FreezeFundsRequest(
        freeze_id=freeze_id,
        merchant_id="m-1",
        instruction_id="ins-1",
        amount=common_pb2.Money(currency_code="CNY", minor_units=125_000),
        transaction_ids=["tx-1", "tx-2"],
        reason="suspected shell merchant",
    )
    for key, value in overrides.items():
        setattr(request, key, value)
    return request


async def test_freeze_then_read_list_and_release_with_history(ledger):
    frozen = await ledger.FreezeFunds(freeze_request())
    assert frozen.freeze.status == ledger_pb2.FREEZE_STATUS_FROZEN
    assert frozen.commit.transaction_id
    assert frozen.commit.block_number >= 1

    read = await ledger.GetFreeze(ledger_pb2.GetFreezeRequest(freeze_id="fz-1"))
    assert list(read.freeze.transaction_ids) == ["tx-1", "tx-2"]
    assert read.freeze.amount.minor_units == 125_000

    await ledger.FreezeFunds(freeze_request("fz-2"))
    listed = await ledger.ListFreezes(ledger_pb2.ListFreezesRequest(merchant_id="m-1"))
    assert [f.freeze_id for f in listed.freezes] == ["fz-1", "fz-2"]

    released = await ledger.ReleaseFunds(
        ledger_pb2.ReleaseFundsRequest(freeze_id="fz-1", reason="case closed")
    )
    assert released.freeze.status == ledger_pb2.FREEZE_STATUS_RELEASED
    assert released.freeze.release_reason == "case closed"

    history = await ledger.GetHistory(ledger_pb2.GetHistoryRequest(freeze_id="fz-1"))
    assert [e.freeze.status for e in history.entries] == [
        ledger_pb2.FREEZE_STATUS_FROZEN,
        ledger_pb2.FREEZE_STATUS_RELEASED,
    ]
    assert history.entries[0].transaction_id == frozen.commit.transaction_id


async def test_a_replayed_freeze_returns_the_recorded_one_and_a_different_one_is_refused(ledger):
    first = await ledger.FreezeFunds(freeze_request())
    again = await ledger.FreezeFunds(freeze_request())
    assert again.freeze == first.freeze
    assert again.commit.transaction_id == first.commit.transaction_id
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await ledger.FreezeFunds(freeze_request(reason="another reason"))
    assert failure.value.code() == grpc.StatusCode.ALREADY_EXISTS
    history = await ledger.GetHistory(ledger_pb2.GetHistoryRequest(freeze_id="fz-1"))
    assert len(history.entries) == 1


async def test_release_refuses_unknown_and_already_released(ledger):
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await ledger.ReleaseFunds(ledger_pb2.ReleaseFundsRequest(freeze_id="nope", reason="x"))
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    await ledger.FreezeFunds(freeze_request())
    await ledger.ReleaseFunds(ledger_pb2.ReleaseFundsRequest(freeze_id="fz-1", reason="ok"))
    with pytest.raises(grpc.aio.AioRpcError) as twice:
        await ledger.ReleaseFunds(ledger_pb2.ReleaseFundsRequest(freeze_id="fz-1", reason="ok"))
    assert twice.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_malformed_freeze_names_its_fields_and_writes_nothing(ledger):
    bad = freeze_request(freeze_id="")
    bad.amount.minor_units = -1
    del bad.transaction_ids[:]
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await ledger.FreezeFunds(bad)
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(failure.value)] == [
        "freeze_id",
        "amount.minor_units",
        "transaction_ids",
    ]
    info = await ledger.GetLedgerInfo(ledger_pb2.GetLedgerInfoRequest())
    assert info.height == 0


async def test_anchored_records_get_receipts_that_verify(ledger):
    response = await anchor(ledger)
    assert len(response.receipts) == 7
    assert all(r.merkle_root == response.merkle_root for r in response.receipts)
    for receipt, record in zip(response.receipts, records(7), strict=True):
        verified = await ledger.VerifyReceipt(
            ledger_pb2.VerifyReceiptRequest(receipt=receipt, content=record.content)
        )
        assert verified.valid, verified.reason
        assert verified.commit.transaction_id == response.commit.transaction_id


async def test_a_tampered_record_or_proof_is_reported_invalid(ledger):
    response = await anchor(ledger)
    receipt = response.receipts[3]
    tampered = await ledger.VerifyReceipt(
        ledger_pb2.VerifyReceiptRequest(receipt=receipt, content=b"decision 3: DECLINE")
    )
    assert not tampered.valid
    assert "content" in tampered.reason

    forged = ledger_pb2.Receipt()
    forged.CopyFrom(receipt)
    forged.proof[0].sibling_hash = bytes(32)
    result = await ledger.VerifyReceipt(
        ledger_pb2.VerifyReceiptRequest(receipt=forged, content=records(7)[3].content)
    )
    assert not result.valid
    assert "proof" in result.reason


async def test_a_receipt_for_a_root_that_is_not_on_the_ledger_is_invalid(ledger):
    response = await anchor(ledger)
    receipt = ledger_pb2.Receipt()
    receipt.CopyFrom(response.receipts[0])
    receipt.batch_id = "never-anchored"
    result = await ledger.VerifyReceipt(
        ledger_pb2.VerifyReceiptRequest(receipt=receipt, content=records(7)[0].content)
    )
    assert not result.valid
    assert "not on the ledger" in result.reason


async def test_anchoring_is_idempotent_by_batch_id(ledger):
    first = await anchor(ledger)
    again = await anchor(ledger)
    assert (again.merkle_root, again.commit) == (first.merkle_root, first.commit)
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await anchor(ledger, n=8)
    assert failure.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_anchor_requests_are_validated(ledger):
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await ledger.AnchorRecords(
            ledger_pb2.AnchorRecordsRequest(
                batch_id="b", records=[ledger_pb2.Record(record_id="x"), ledger_pb2.Record(record_id="x")]
            )
        )
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(failure.value)] == ["kind", "records[1].record_id"]
