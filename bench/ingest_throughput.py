"""Ingest throughput (scoring off) through IngestTransactions, against raw sqlite3 executemany of the same rows.

Both write the same schema (made by ingest's own migration) with the same pragmas and one commit per batch,
so the ratio is what the service costs on top of the storage engine: gRPC, parsing, validation, idempotency.
Also watches the server's resident memory while it ingests, which must not grow with the number of batches.

    python bench/ingest_throughput.py [--transactions 1000000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

import grpc
from _harness import report, service
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2
from payrisk_ingest.app import MIGRATIONS
from payrisk_ingest.store import to_row
from payrisk_ingest.store.transactions import INSERT_COLUMNS
from payrisk_runtime import create_db_engine, migrate

METHOD = "/payrisk.ingest.v1.IngestService/IngestTransactions"
TYPES = [
    common_pb2.TRANSACTION_TYPE_PURCHASE,
    common_pb2.TRANSACTION_TYPE_TRANSFER,
    common_pb2.TRANSACTION_TYPE_REFUND,
]


def make_batches(total: int, batch_size: int) -> list[bytes]:
    """Serialised requests, built before timing so the client's work does not count against the server."""
    start = int(time.time()) - 90 * 86_400
    batches = []
    for b in range(total // batch_size):
        request = ingest_pb2.IngestTransactionsRequest(batch_id=f"batch-{b}")
        for i in range(b * batch_size, (b + 1) * batch_size):
            tx = request.transactions.add(
                transaction_id=f"tx-{i:09d}",
                merchant_id=f"m-{i % 5000}",
                payer_id=f"p-{i % 200_000}",
                payee_id=f"m-{i % 5000}",
                device_id=f"d-{i % 8000}",
                card_id=f"c-{i % 250_000}",
                type=TYPES[i % 3],
                channel=common_pb2.CHANNEL_ONLINE,
                ip_address="203.0.113.7",
                business_tags=["food"],
                merchant_category_code="5812",
            )
            tx.amount.currency_code = tx.fee.currency_code = "CNY"
            tx.amount.minor_units = 100 + i % 50_000
            tx.fee.minor_units = 1 + i % 300
            tx.occurred_at.FromSeconds(start + i % (90 * 86_400))
        batches.append(request.SerializeToString())
    return batches


def raw_sqlite_rate(batches: list[bytes], *, indexed: bool = True) -> float:
    """Rows/s of plain sqlite3 executemany, one commit per batch: into the same schema, or a bare table."""
    rows_per_batch = []
    for data in batches:
        request = ingest_pb2.IngestTransactionsRequest.FromString(data)
        rows_per_batch.append(
            [
                to_row(tx, tx.SerializeToString(deterministic=True), 0, ingest_pb2.SCORING_STATE_DISABLED)
                for tx in request.transactions
            ]
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "raw.db"
        engine = create_db_engine(f"sqlite:///{path}")
        migrate(engine, MIGRATIONS)
        engine.dispose()
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        table = "transactions"
        if not indexed:
            # Same columns, no keys or indexes: what SQLite does at best with these rows.
            conn.execute("CREATE TABLE bare AS SELECT * FROM transactions WHERE 0")
            table = "bare"
        sql = f"INSERT INTO {table} ({', '.join(INSERT_COLUMNS)}) VALUES ({', '.join('?' * len(INSERT_COLUMNS))})"
        started = time.perf_counter()
        for rows in rows_per_batch:
            conn.executemany(sql, rows)
            conn.commit()
        elapsed = time.perf_counter() - started
        conn.close()
    return sum(map(len, rows_per_batch)) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--baseline-transactions", type=int, default=0, help="0: the same rows as the service"
    )
    args = parser.parse_args()

    batches = make_batches(args.transactions, args.batch)
    baseline_batches = batches[: args.baseline_transactions // args.batch or len(batches)]
    baseline = raw_sqlite_rate(baseline_batches)
    bare = raw_sqlite_rate(baseline_batches, indexed=False)

    with service("ingest", "payrisk_ingest") as ingest, grpc.insecure_channel(ingest.address) as channel:
        call = channel.stream_stream(
            METHOD,
            request_serializer=lambda b: b,
            response_deserializer=ingest_pb2.IngestTransactionsResponse.FromString,
        )
        memory = [ingest.rss_mib()]
        accepted = 0
        started = time.perf_counter()
        for n, response in enumerate(call(iter(batches)), start=1):
            accepted += response.accepted
            if n % max(1, len(batches) // 10) == 0:
                memory.append(ingest.rss_mib())
        elapsed = time.perf_counter() - started
        peak = ingest.peak_rss_mib()

    rate = accepted / elapsed
    report(
        f"ingest throughput: {accepted:,} transactions in batches of {args.batch:,} (SQLite, scoring off)",
        [
            ("IngestTransactions", f"{rate:,.0f} tx/s"),
            ("raw sqlite3 executemany", f"{baseline:,.0f} rows/s (same schema, same run)"),
            ("ratio to raw", f"{rate / baseline:.1%}  (target >= 25%)"),
            (
                "raw into a bare table",
                f"{bare:,.0f} rows/s (no unique id, no indexes: SQLite at its fastest)",
            ),
            ("ratio to the bare table", f"{rate / bare:.1%}"),
            ("server RSS over the run", " -> ".join(f"{m:.0f}" for m in memory) + " MiB"),
            ("server peak RSS", f"{peak:.0f} MiB"),
        ],
    )
    if accepted != args.transactions - args.transactions % args.batch:
        raise SystemExit(f"only {accepted} of the transactions were accepted")


if __name__ == "__main__":
    main()
