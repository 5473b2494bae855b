"""Importing transaction files through the public gRPC API, and loading synthetic data sets into ingest."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk_ingest.importer import (
    ImportFileError,
    import_file,
    read_transaction_batches,
    transactions_from_table,
)
from payrisk_ingest.synthetic import (
    GeneratorConfig,
    Loader,
    TransactionWriter,
    build_world,
    iter_batches,
    iter_transaction_batches,
)
from payrisk_ingest.validation import transaction_violations

SMALL = GeneratorConfig(transactions=3_000, seed=21, days=10)
Kind = ingest_pb2.SequenceEventKind
HEADER = "transaction_id,merchant_id,payer_id,amount_minor,fee_minor,currency,type,channel,occurred_at,latitude,longitude"
GOOD_ROW = "tx-{n},m-1,p-1,1250,8,CNY,purchase,online,2026-01-05T10:00:00+08:00,31.2,121.4"


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def write_generated(path: Path, config: GeneratorConfig = SMALL) -> Path:
    with TransactionWriter(path) as writer:
        for batch in iter_transaction_batches(config):
            writer.write(batch)
    return path


@pytest.mark.parametrize(
    ("column", "value", "field"),
    [
        ("amount_minor", "12.5x", "amount.minor_units"),
        ("fee_minor", "free", "fee.minor_units"),
        ("currency", "XYZ", "amount.currency_code"),
        ("type", "teleport", "type"),
        ("channel", "pigeon", "channel"),
        ("occurred_at", "yesterday", "occurred_at"),
        ("latitude", "north", "location.point.latitude"),
        ("transaction_id", "", "transaction_id"),
    ],
)
def test_a_value_that_does_not_parse_is_sent_so_that_the_service_names_its_field(column, value, field):
    row = dict(zip(HEADER.split(","), GOOD_ROW.format(n=1).split(","), strict=True))
    row[column] = value
    [tx] = transactions_from_table(pa.table({k: [v] for k, v in row.items()}))
    # The service reports the first violation of an item.
    first, *_ = transaction_violations(tx, "transactions[0]").items
    assert first.field == f"transactions[0].{field}"


def test_a_good_csv_row_becomes_the_transaction_it_describes(tmp_path: Path):
    [[tx]] = read_transaction_batches(write_csv(tmp_path / "one.csv", [GOOD_ROW.format(n=1)]))
    assert not transaction_violations(tx, "t")
    assert (tx.amount.minor_units, tx.fee.minor_units, tx.amount.currency_code) == (1250, 8, "CNY")
    assert tx.occurred_at.ToSeconds() == 1767578400
    assert (tx.type, tx.channel) == (common_pb2.TRANSACTION_TYPE_PURCHASE, common_pb2.CHANNEL_ONLINE)


def test_a_file_without_the_required_columns_is_refused_before_anything_is_sent(tmp_path: Path):
    path = tmp_path / "partial.csv"
    path.write_text("transaction_id,merchant_id\ntx-1,m-1\n")
    with pytest.raises(ImportFileError, match="payer_id, amount_minor, currency, type, channel, occurred_at"):
        list(read_transaction_batches(path))
    with pytest.raises(ImportFileError, match=r"not a \.csv or \.parquet"):
        list(read_transaction_batches(tmp_path / "transactions.xlsx"))


def test_csv_lines_that_are_not_rows_are_skipped_and_reported(tmp_path: Path):
    path = write_csv(tmp_path / "broken.csv", [GOOD_ROW.format(n=1), "tx-2,m-1,oops", GOOD_ROW.format(n=3)])
    malformed = []
    read = [tx.transaction_id for batch in read_transaction_batches(path, 10, malformed) for tx in batch]
    assert read == ["tx-1", "tx-3"]
    [skipped] = malformed
    assert "3 values where 11 columns" in skipped.description


async def test_importing_a_generated_file_stores_every_row_and_importing_again_changes_nothing(
    ingest_address: str, ingest: ingest_pb2_grpc.IngestServiceStub, tmp_path: Path
):
    csv_file = write_generated(tmp_path / "transactions.csv")
    parquet_file = write_generated(tmp_path / "transactions.parquet")

    first = await import_file(ingest_address, csv_file, show_progress=False)
    assert (first.accepted, first.duplicates, first.rejected) == (SMALL.transactions, 0, 0)
    # The same rows from the other format are the same transactions, byte for byte.
    again = await import_file(ingest_address, parquet_file, batch_size=700, show_progress=False)
    assert (again.accepted, again.duplicates, again.rejected) == (0, SMALL.transactions, 0)

    expected = next(iter(read_transaction_batches(csv_file, 5)))
    for tx in expected:
        stored = await ingest.GetTransaction(
            ingest_pb2.GetTransactionRequest(transaction_id=tx.transaction_id)
        )
        assert stored.record.transaction == tx


async def test_bad_rows_are_rejected_by_the_service_with_their_row_and_field_and_the_rest_is_stored(
    ingest_address: str, tmp_path: Path
):
    rows = [GOOD_ROW.format(n=n) for n in range(1, 6)]
    rows[1] = rows[1].replace(",1250,", ",-3,")
    rows[3] = rows[3].replace(",purchase,", ",barter,")
    summary = await import_file(ingest_address, write_csv(tmp_path / "mixed.csv", rows), show_progress=False)
    assert (summary.accepted, summary.rejected) == (3, 2)
    assert [(r.row, r.transaction_id, r.field) for r in summary.first_rejections] == [
        (2, "tx-2", "transactions[1].amount.minor_units"),
        (4, "tx-4", "transactions[3].type"),
    ]
    assert "row 2 (tx-2): transactions[1].amount.minor_units: must be positive" in str(summary)


async def test_a_generated_data_set_loads_whole_and_loading_it_again_changes_nothing(
    ingest_address: str, ingest: ingest_pb2_grpc.IngestServiceStub
):
    world = build_world(SMALL)
    batches = list(iter_batches(SMALL, world))
    online = sum(len(b.online) for b in batches)
    expected_events = [e for b in batches for e in b.bills.events]
    attacks = sum(
        e.kind in (Kind.SEQUENCE_EVENT_KIND_REPLAY, Kind.SEQUENCE_EVENT_KIND_BAD_SIGNATURE)
        for e in expected_events
    )

    loader = Loader(ingest, chunk_size=1000)
    await loader.register(world)
    for batch in batches:
        await loader.send(batch)
    s = loader.summary
    assert (s.merchants.accepted, s.devices.accepted) == (len(world.merchants), len(world.devices))
    assert (s.transactions.accepted, s.transactions.rejected) == (online, 0)
    assert (s.bills.accepted, s.bills.rejected) == (SMALL.transactions - online, attacks)
    assert (s.labels.accepted, s.labels.rejected) == (sum(len(b.labels) for b in batches), 0)

    def key(e: ingest_pb2.SequenceEvent) -> tuple[object, ...]:
        return (e.device_id, e.kind, e.first_sequence, e.last_sequence, e.bill_id)

    stored_events = []
    for device_id in sorted({e.device_id for e in expected_events}):
        listed = await ingest.ListDeviceEvents(ingest_pb2.ListDeviceEventsRequest(device_id=device_id))
        stored_events += listed.events
    assert sorted(map(key, stored_events)) == sorted(map(key, expected_events))

    fraud = next(label for b in batches for label in b.labels if label.scenario == "compromised_device")
    record = (
        await ingest.GetTransaction(ingest_pb2.GetTransactionRequest(transaction_id=fraud.transaction_id))
    ).record
    assert (record.label, record.label_scenario) == (common_pb2.FRAUD_LABEL_FRAUD, "compromised_device")
    assert record.bill_id

    again = Loader(ingest, chunk_size=1000)
    await again.register(world)
    for batch in batches:
        await again.send(batch)
    s = again.summary
    assert (s.merchants.unchanged, s.devices.unchanged) == (len(world.merchants), len(world.devices))
    assert (s.transactions.accepted, s.transactions.duplicates) == (0, online)
    assert (s.bills.accepted, s.bills.unchanged, s.bills.rejected) == (
        0,
        SMALL.transactions - online,
        attacks,
    )


async def run_cli(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "payrisk_ingest.cli", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_import_command_sends_a_file_and_prints_what_the_service_said(
    ingest_address: str, tmp_path: Path
):
    path = write_csv(
        tmp_path / "few.csv",
        [GOOD_ROW.format(n=n) for n in range(1, 4)]
        + ["tx-4,m-1,p-1,0,0,CNY,purchase,online,2026-01-05T10:00:00Z,,"],
    )
    code, out, _ = await run_cli("import", "--address", ingest_address, "--no-progress", str(path))
    assert code == 0
    assert "accepted 3  duplicates 0  rejected 1" in out
    assert "row 4 (tx-4): transactions[3].amount.minor_units" in out


@pytest.mark.slow
async def test_the_generate_command_loads_a_data_set_and_writes_its_file(ingest_address: str, tmp_path: Path):
    path = tmp_path / "generated.parquet"
    code, out, err = await run_cli(
        "generate", "--address", ingest_address, "--parquet", str(path),
        "--transactions", "2000", "--days", "7", "--seed", "3", "--no-progress",
    )  # fmt: skip
    assert code == 0, err
    assert "transactions: accepted" in out
    assert "labels: accepted" in out
    assert sum(len(b) for b in read_transaction_batches(path)) == 2000


async def test_the_import_command_says_so_when_the_service_is_not_there(tmp_path: Path):
    path = write_csv(tmp_path / "one.csv", [GOOD_ROW.format(n=1)])
    code, _, err = await run_cli("import", "--address", "127.0.0.1:9", "--no-progress", str(path))
    assert code == 1
    assert "UNAVAILABLE" in err
