"""IngestTransactions, GetTransaction, ListTransactions, ExportTransactions over gRPC."""

from __future__ import annotations

import grpc
import pytest
from ingest_factories import NOW, transaction
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk_runtime import field_violations


async def ingest_batches(stub, batches):
    requests = [
        ingest_pb2.IngestTransactionsRequest(batch_id=f"b{i}", transactions=batch)
        for i, batch in enumerate(batches)
    ]
    return [response async for response in stub.IngestTransactions(iter(requests))]


async def test_every_transaction_is_accepted_once_and_replays_change_nothing(ingest):
    batches = [[transaction(n) for n in range(i * 100, (i + 1) * 100)] for i in range(3)]
    first = await ingest_batches(ingest, batches)
    assert [r.batch_id for r in first] == ["b0", "b1", "b2"]
    assert [(r.accepted, r.duplicates, len(r.rejected)) for r in first] == [(100, 0, 0)] * 3
    assert all(r.scoring_state == ingest_pb2.SCORING_STATE_DISABLED for r in first)

    replay = await ingest_batches(ingest, batches)
    assert [(r.accepted, r.duplicates, len(r.rejected)) for r in replay] == [(0, 100, 0)] * 3

    exported = [
        r async for r in ingest.ExportTransactions(ingest_pb2.ExportTransactionsRequest(batch_size=128))
    ]
    records = [rec for r in exported for rec in r.records]
    assert len(records) == 300
    assert records[0].transaction == batches[0][0]


async def test_same_id_with_different_content_is_a_conflict_and_keeps_the_original(ingest):
    original = transaction(1)
    await ingest_batches(ingest, [[original]])
    changed = transaction(1, amount=common_pb2.Money(currency_code="CNY", minor_units=999_999))
    [response] = await ingest_batches(ingest, [[changed, transaction(2)]])
    assert response.accepted == 1
    assert [(e.index, e.id, e.code) for e in response.rejected] == [
        (0, "tx-1", common_pb2.ITEM_ERROR_CODE_CONFLICT)
    ]
    stored = await ingest.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id="tx-1"))
    assert stored.record.transaction.amount.minor_units == original.amount.minor_units


async def test_repeats_within_one_batch_are_duplicates(ingest):
    [response] = await ingest_batches(ingest, [[transaction(1), transaction(1), transaction(2)]])
    assert (response.accepted, response.duplicates) == (2, 1)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"transaction_id": ""}, "transactions[1].transaction_id"),
        (
            {"amount": common_pb2.Money(currency_code="CNY", minor_units=-5)},
            "transactions[1].amount.minor_units",
        ),
        (
            {"amount": common_pb2.Money(currency_code="XYZ", minor_units=5)},
            "transactions[1].amount.currency_code",
        ),
        ({"occurred_at": NOW + 86_400}, "transactions[1].occurred_at"),
        ({"type": common_pb2.TRANSACTION_TYPE_UNSPECIFIED}, "transactions[1].type"),
        ({"ip_address": "999.1.1.1"}, "transactions[1].ip_address"),
        ({"merchant_category_code": "58a2"}, "transactions[1].merchant_category_code"),
        ({"fee": common_pb2.Money(currency_code="USD", minor_units=1)}, "transactions[1].fee.currency_code"),
    ],
)
async def test_a_bad_item_is_rejected_with_its_field_and_the_rest_is_kept(ingest, overrides, field):
    batch = [transaction(1), transaction(2, **overrides), transaction(3)]
    [response] = await ingest_batches(ingest, [batch])
    assert response.accepted == 2
    assert [(e.index, e.field, e.code) for e in response.rejected] == [
        (1, field, common_pb2.ITEM_ERROR_CODE_INVALID)
    ]
    assert response.rejected[0].description


async def test_an_oversized_batch_fails_the_stream_with_invalid_argument_after_keeping_earlier_batches(
    ingest,
):
    good = [transaction(n) for n in range(10)]
    oversized = [transaction(n) for n in range(100, 2101)]
    call = ingest.IngestTransactions(
        iter(
            [
                ingest_pb2.IngestTransactionsRequest(transactions=good),
                ingest_pb2.IngestTransactionsRequest(transactions=oversized),
            ]
        )
    )
    first = await call.read()
    assert first.accepted == 10
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await call.read()
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(failure.value)] == ["transactions"]
    listed = await ingest.ListTransactions(ingest_pb2.ListTransactionsRequest(page_size=100))
    assert len(listed.records) == 10


async def test_get_unknown_transaction_is_not_found(ingest):
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await ingest.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id="nope"))
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND


async def test_list_filters_by_merchant_and_time_and_pages(ingest):
    batch = [
        transaction(n, merchant_id="m-a" if n % 2 else "m-b", occurred_at=NOW - 10_000 + n) for n in range(50)
    ]
    await ingest_batches(ingest, [batch])
    request = ingest_pb2.ListTransactionsRequest(merchant_id="m-a", page_size=10)
    request.start_time.FromSeconds(NOW - 10_000 + 10)
    seen = []
    while True:
        page = await ingest.ListTransactions(request)
        seen += [r.transaction.transaction_id for r in page.records]
        if not page.next_page_token:
            break
        request.page_token = page.next_page_token
    assert seen == [f"tx-{n}" for n in range(11, 50, 2)]


async def test_list_rejects_a_forged_page_token(ingest):
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await ingest.ListTransactions(ingest_pb2.ListTransactionsRequest(page_token="garbage!"))
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(failure.value)] == ["page_token"]


async def test_export_resumes_from_its_cursor_and_filters_labelled(ingest):
    await ingest_batches(ingest, [[transaction(n) for n in range(30)]])
    first = [r async for r in ingest.ExportTransactions(ingest_pb2.ExportTransactionsRequest(batch_size=10))]
    assert [len(r.records) for r in first] == [10, 10, 10]
    resumed = [
        r
        async for r in ingest.ExportTransactions(
            ingest_pb2.ExportTransactionsRequest(after_sequence=first[1].cursor)
        )
    ]
    assert [rec.transaction.transaction_id for r in resumed for rec in r.records] == [
        f"tx-{n}" for n in range(20, 30)
    ]

    labels = ingest_pb2.LabelTransactionsRequest(
        labels=[
            ingest_pb2.TransactionLabel(
                transaction_id="tx-3", label=common_pb2.FRAUD_LABEL_FRAUD, scenario="fan_in"
            ),
            ingest_pb2.TransactionLabel(transaction_id="tx-404", label=common_pb2.FRAUD_LABEL_FRAUD),
            ingest_pb2.TransactionLabel(transaction_id="tx-4"),
        ]
    )
    labelled = await ingest.LabelTransactions(labels)
    assert labelled.labeled == 1
    assert [(e.index, e.code) for e in labelled.rejected] == [
        (1, common_pb2.ITEM_ERROR_CODE_UNKNOWN_REFERENCE),
        (2, common_pb2.ITEM_ERROR_CODE_INVALID),
    ]
    only = [
        r async for r in ingest.ExportTransactions(ingest_pb2.ExportTransactionsRequest(labeled_only=True))
    ]
    [record] = [rec for r in only for rec in r.records]
    assert (record.transaction.transaction_id, record.label, record.label_scenario) == (
        "tx-3",
        common_pb2.FRAUD_LABEL_FRAUD,
        "fan_in",
    )


async def test_settlement_status_updates_and_filters(ingest):
    await ingest_batches(ingest, [[transaction(n) for n in range(5)]])
    updated = await ingest.UpdateSettlementStatus(
        ingest_pb2.UpdateSettlementStatusRequest(
            transaction_ids=["tx-1", "tx-2", "tx-99"], status=common_pb2.SETTLEMENT_STATUS_FROZEN
        )
    )
    assert updated.updated == 2
    assert [e.id for e in updated.rejected] == ["tx-99"]
    frozen = await ingest.ListTransactions(
        ingest_pb2.ListTransactionsRequest(settlement_status=common_pb2.SETTLEMENT_STATUS_FROZEN)
    )
    assert sorted(r.transaction.transaction_id for r in frozen.records) == ["tx-1", "tx-2"]
