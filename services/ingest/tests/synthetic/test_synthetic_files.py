"""Transactions written as CSV or Parquet read back through the importer as the very same messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from payrisk_ingest.importer import COLUMNS, read_transaction_batches
from payrisk_ingest.synthetic import (
    GeneratorConfig,
    TransactionWriter,
    iter_batches,
    iter_transaction_batches,
    to_rows,
)

SMALL = GeneratorConfig(transactions=3_000, seed=5, days=10, batch_size=700)


@pytest.mark.parametrize("name", ["transactions.csv", "transactions.parquet"])
def test_a_written_file_reads_back_as_the_generated_messages(tmp_path: Path, name: str):
    path = tmp_path / name
    with TransactionWriter(path) as writer:
        for batch in iter_transaction_batches(SMALL):
            writer.write(batch)
    expected = [m for batch in iter_batches(SMALL) for m in batch.messages]
    read = [tx for batch in read_transaction_batches(path, batch_size=1000) for tx in batch]
    assert [t.SerializeToString(deterministic=True) for t in read] == [
        t.SerializeToString(deterministic=True) for t in expected
    ]


def test_rows_have_the_file_columns_and_the_scenario(tmp_path: Path):
    rows = to_rows(next(iter_transaction_batches(SMALL)))
    assert len(rows) == SMALL.batch_size
    assert list(rows[0]) == [*COLUMNS, "fraud_scenario"]
    assert isinstance(rows[0]["amount_minor"], int)
    assert isinstance(rows[0]["business_tags"], list)


def test_an_unknown_file_kind_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        TransactionWriter(tmp_path / "transactions.json")
