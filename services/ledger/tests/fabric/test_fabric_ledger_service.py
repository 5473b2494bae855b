"""The ledger service over gRPC with its Fabric backend: the same behaviour as the embedded one, on chain."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import pytest
from ledger_factories import records
from payrisk.common.v1 import common_pb2
from payrisk.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from payrisk_ledger.app import start
from payrisk_ledger.fabric import Contract, NetworkConfig
from payrisk_ledger.settings import LedgerSettings
from payrisk_runtime import field_violations

pytestmark = [pytest.mark.fabric, pytest.mark.timeout(600)]


@pytest.fixture
async def ledger(network_json_path: Path, tmp_path: Path) -> AsyncIterator[ledger_pb2_grpc.LedgerServiceStub]:
    app = await start(
        LedgerSettings(
            backend="fabric",
            fabric_network_file=network_json_path,
            database_url=f"sqlite:///{tmp_path / 'ledger.db'}",
            port=0,
            data_dir=tmp_path,
            outbox_retry_seconds=0.5,
        )
    )
    try:
        async with grpc.aio.insecure_channel(app.address) as channel:
            yield ledger_pb2_grpc.LedgerServiceStub(channel)
    finally:
        await app.stop()


def freeze_request(new_id: Callable[[str], str], merchant_id: str) -> ledger_pb2.FreezeFundsRequest:
    return ledger_pb2.FreezeFundsRequest(
        freeze_id=new_id("fz"),
        merchant_id=merchant_id,
        instruction_id=new_id("ins"),
        amount=common_pb2.Money(currency_code="CNY", minor_units=125_000),
        transaction_ids=[new_id("tx"), new_id("tx")],
        reason="suspected shell merchant",
    )


async def test_a_freeze_is_endorsed_read_back_replayed_and_released_with_its_history(
    ledger, new_id, contract: Contract
):
    merchant = new_id("m")
    request = freeze_request(new_id, merchant)
    frozen = await ledger.FreezeFunds(request)
    assert frozen.freeze.status == ledger_pb2.FREEZE_STATUS_FROZEN
    assert frozen.commit.block_number > 0
    # The chaincode holds exactly what the service reports.
    on_chain = json.loads(await contract.evaluate("GetFreeze", request.freeze_id))
    assert on_chain["merchant_id"] == merchant
    assert on_chain["transaction_ids"] == list(request.transaction_ids)

    replay = await ledger.FreezeFunds(request)
    assert replay.freeze == frozen.freeze
    assert replay.commit.transaction_id == frozen.commit.transaction_id
    changed = ledger_pb2.FreezeFundsRequest()
    changed.CopyFrom(request)
    changed.reason = "another reason"
    with pytest.raises(grpc.aio.AioRpcError) as conflict:
        await ledger.FreezeFunds(changed)
    assert conflict.value.code() == grpc.StatusCode.ALREADY_EXISTS

    second = freeze_request(new_id, merchant)
    await ledger.FreezeFunds(second)
    listed = await ledger.ListFreezes(ledger_pb2.ListFreezesRequest(merchant_id=merchant))
    assert [f.freeze_id for f in listed.freezes] == [request.freeze_id, second.freeze_id]

    released = await ledger.ReleaseFunds(
        ledger_pb2.ReleaseFundsRequest(freeze_id=request.freeze_id, reason="cleared")
    )
    assert released.freeze.status == ledger_pb2.FREEZE_STATUS_RELEASED
    with pytest.raises(grpc.aio.AioRpcError) as twice:
        await ledger.ReleaseFunds(ledger_pb2.ReleaseFundsRequest(freeze_id=request.freeze_id, reason="again"))
    assert twice.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await ledger.ReleaseFunds(ledger_pb2.ReleaseFundsRequest(freeze_id=new_id("nope"), reason="x"))
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND

    history = await ledger.GetHistory(ledger_pb2.GetHistoryRequest(freeze_id=request.freeze_id))
    assert [e.transaction_id for e in history.entries] == [
        frozen.commit.transaction_id,
        released.commit.transaction_id,
    ]


async def test_anchored_records_verify_against_the_root_on_chain(ledger, new_id):
    batch = new_id("batch")
    request = ledger_pb2.AnchorRecordsRequest(
        batch_id=batch, kind=ledger_pb2.RECORD_KIND_DECISION, records=records(9)
    )
    anchored = await ledger.AnchorRecords(request)
    assert anchored.commit.block_number > 0
    again = await ledger.AnchorRecords(request)
    assert again.commit == anchored.commit

    for receipt, record in zip(anchored.receipts, records(9), strict=True):
        verified = await ledger.VerifyReceipt(
            ledger_pb2.VerifyReceiptRequest(receipt=receipt, content=record.content)
        )
        assert verified.valid, verified.reason
        assert verified.commit == anchored.commit
    forged = await ledger.VerifyReceipt(
        ledger_pb2.VerifyReceiptRequest(receipt=anchored.receipts[0], content=b"decision 0: DECLINE")
    )
    assert not forged.valid

    info = await ledger.GetLedgerInfo(ledger_pb2.GetLedgerInfoRequest())
    assert info.backend == "fabric"
    assert info.height > anchored.commit.block_number
    assert len(info.peers) == 2


async def test_a_bad_freeze_is_refused_by_field_before_anything_reaches_the_chain(ledger, new_id):
    bad = freeze_request(new_id, new_id("m"))
    bad.amount.minor_units = -5
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await ledger.FreezeFunds(bad)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(refused.value)] == ["amount.minor_units"]


async def test_the_fabric_identity_never_reaches_a_caller(ledger, fabric_network: NetworkConfig):
    info = await ledger.GetLedgerInfo(ledger_pb2.GetLedgerInfoRequest())
    said = str(info)
    for organization in fabric_network.organizations:
        for user in (organization.client, organization.admin):
            assert str(user.key) not in said
            assert user.key.read_text().splitlines()[1] not in said
