"""Import transactions from a CSV or Parquet file through ingest's public gRPC API (`IngestTransactions`).

One transaction per row; a CSV file is UTF-8, comma separated, with a header row. Columns, by name:

    transaction_id            required   the idempotency key
    merchant_id               required
    payer_id                  required
    payee_id                             who receives the money (for a purchase, the merchant)
    device_id                            the terminal, if any
    card_id                              the card or account used (a token, never a card number)
    amount_minor              required   integer, in minor units of `currency` (fen for CNY)
    fee_minor                            integer, same currency
    currency                  required   ISO 4217 code, e.g. CNY
    type                      required   purchase, refund, transfer, withdrawal, deposit or cash_out
    channel                   required   online or offline
    occurred_at               required   ISO 8601, UTC unless it has an offset; in Parquet, a timestamp
    country_code                         ISO 3166-1 alpha-2, where the payment happened
    city
    latitude, longitude                  decimal degrees (WGS 84)
    ip_address                           IPv4 or IPv6 address of the payer's device
    business_tags                        in Parquet a list of strings; in CSV separated by "|"
    description
    merchant_category_code               four digits (ISO 18245)

Other columns are ignored (the synthetic data set adds `fraud_scenario`). Values are sent as they are;
a value that does not even parse is replaced by one the service is sure to reject, so that it is the
service that names the bad field of the row. A bad row never stops the import.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from payrisk.common.v1 import common_pb2
from payrisk.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from payrisk_runtime import client_tls, open_channel
from tqdm import tqdm

TRANSACTION_SCHEMA = pa.schema(
    [
        ("transaction_id", pa.string()),
        ("merchant_id", pa.string()),
        ("payer_id", pa.string()),
        ("payee_id", pa.string()),
        ("device_id", pa.string()),
        ("card_id", pa.string()),
        ("amount_minor", pa.int64()),
        ("fee_minor", pa.int64()),
        ("currency", pa.string()),
        ("type", pa.string()),
        ("channel", pa.string()),
        ("occurred_at", pa.timestamp("us", tz="UTC")),
        ("country_code", pa.string()),
        ("city", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("ip_address", pa.string()),
        ("business_tags", pa.list_(pa.string())),
        ("description", pa.string()),
        ("merchant_category_code", pa.string()),
    ]
)
COLUMNS = tuple(TRANSACTION_SCHEMA.names)
REQUIRED_COLUMNS = (
    "transaction_id", "merchant_id", "payer_id", "amount_minor", "currency", "type", "channel", "occurred_at",
)  # fmt: skip
TAG_SEPARATOR = "|"
DEFAULT_BATCH_SIZE = 1000
# Rejections kept for the report; the rest are only counted.
KEEP_REJECTIONS = 10

# Values the service rejects for sure, standing in for ones that do not parse.
_UNKNOWN_ENUM = 999
_INVALID_TIME_US = -1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_INT64 = range(-(2**63), 2**63)


def _enum_names(prefix: str, values: Iterable[tuple[str, int]]) -> dict[str, int]:
    return {name.removeprefix(prefix).lower(): number for name, number in values if number}


_TYPES = _enum_names("TRANSACTION_TYPE_", common_pb2.TransactionType.items())
_CHANNELS = _enum_names("CHANNEL_", common_pb2.Channel.items())
TYPE_NAMES = {number: name for name, number in _TYPES.items()}
CHANNEL_NAMES = {number: name for name, number in _CHANNELS.items()}


class ImportFileError(Exception):
    """The file cannot be imported at all (unknown format, missing columns)."""


# Reading


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise ImportFileError(f"{path}: not a .csv or .parquet file")


def _check_columns(path: Path, names: Iterable[str]) -> list[str]:
    present = [c for c in COLUMNS if c in set(names)]
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if missing:
        raise ImportFileError(f"{path}: missing columns {', '.join(missing)}")
    return present


def row_count(path: Path) -> int | None:
    """Rows in the file when known without reading it (Parquet)."""
    if _format(path) != "parquet":
        return None
    try:
        rows: int = pq.ParquetFile(path).metadata.num_rows
    except (OSError, pa.ArrowException) as exc:
        raise ImportFileError(f"{path}: {exc}") from exc
    return rows


def _csv_batches(path: Path, malformed: list[Rejection]) -> Iterator[pa.RecordBatch]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        header = next(csv.reader(f), [])
    columns = _check_columns(path, header)

    def skip(row: Any) -> str:
        malformed.append(
            Rejection(
                row=row.number or 0,
                transaction_id="",
                field="",
                description=f"line {row.number}: {row.actual_columns} values where {row.expected_columns} columns",
            )
        )
        return "skip"

    reader = pa_csv.open_csv(
        path,
        parse_options=pa_csv.ParseOptions(invalid_row_handler=skip),
        convert_options=pa_csv.ConvertOptions(
            include_columns=columns,
            column_types=dict.fromkeys(columns, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    yield from reader


def _parquet_batches(path: Path, batch_size: int) -> Iterator[pa.RecordBatch]:
    file = pq.ParquetFile(path)
    yield from file.iter_batches(batch_size=batch_size, columns=_check_columns(path, file.schema_arrow.names))


def _rechunk(batches: Iterator[pa.RecordBatch], size: int) -> Iterator[pa.Table]:
    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in batches:
        pending.append(batch)
        rows += batch.num_rows
        while rows >= size:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, size)
            rest = table.slice(size).to_batches()
            pending, rows = rest, rows - size
    if rows:
        yield pa.Table.from_batches(pending)


def read_transaction_batches(
    path: Path, batch_size: int = DEFAULT_BATCH_SIZE, malformed: list[Rejection] | None = None
) -> Iterator[list[common_pb2.Transaction]]:
    """The file's transactions in batches; CSV lines that are not rows are skipped and added to `malformed`."""
    skipped = malformed if malformed is not None else []
    try:
        batches = (
            _csv_batches(path, skipped) if _format(path) == "csv" else _parquet_batches(path, batch_size)
        )
        for table in _rechunk(batches, batch_size):
            yield transactions_from_table(table)
    except (OSError, UnicodeDecodeError, pa.ArrowException) as exc:
        raise ImportFileError(f"{path}: {exc}") from exc


# Converting


def _column(table: pa.Table, name: str) -> pa.ChunkedArray | None:
    return table.column(name) if name in table.column_names else None


def _texts(table: pa.Table, name: str) -> list[str]:
    column = _column(table, name)
    if column is None:
        return [""] * table.num_rows
    if not pa.types.is_string(column.type):
        column = column.cast(pa.string())
    texts: list[str] = pc.fill_null(column, "").to_pylist()
    return texts


def _parse_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if number in _INT64 else -1


def _integers(table: pa.Table, name: str) -> list[int | None]:
    """Integers; -1 for a value that is not one (amounts and fees must not be negative)."""
    column = _column(table, name)
    if column is None:
        return [None] * table.num_rows
    if not pa.types.is_integer(column.type):
        try:
            column = pc.cast(column, pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return [_parse_int(v) for v in column.to_pylist()]
    integers: list[int | None] = column.to_pylist()
    return integers


def _parse_float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _floats(table: pa.Table, name: str) -> list[float | None]:
    column = _column(table, name)
    if column is None:
        return [None] * table.num_rows
    return [_parse_float(v) for v in column.to_pylist()]


def _parse_time_us(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return _INVALID_TIME_US
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _times_us(table: pa.Table, name: str) -> list[int | None]:
    column = _column(table, name)
    if column is None:
        return [None] * table.num_rows
    if pa.types.is_timestamp(column.type):
        # A timestamp without a zone is taken as UTC, as strings without an offset are.
        micros: list[int | None] = (
            column.cast(pa.timestamp("us", tz=column.type.tz), safe=False).cast(pa.int64()).to_pylist()
        )
        return micros
    if not pa.types.is_string(column.type):
        column = column.cast(pa.string())
    try:
        micros = pc.cast(column, pa.timestamp("us", tz="UTC")).cast(pa.int64()).to_pylist()
    except pa.ArrowInvalid:
        return [_parse_time_us(v) for v in column.to_pylist()]
    return micros


def _tags(table: pa.Table, name: str) -> list[list[str]]:
    column = _column(table, name)
    if column is None:
        return [[] for _ in range(table.num_rows)]
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        # Slicing one flat list is several times faster than converting list by list.
        lists = column.combine_chunks()
        values, offsets = pc.fill_null(lists.values, "").to_pylist(), lists.offsets.to_pylist()
        return [values[a:b] for a, b in pairwise(offsets)]
    return [[t for t in text.split(TAG_SEPARATOR) if t] for text in _texts(table, name)]


def _codes(values: list[str], names: dict[str, int], prefix: str) -> list[int]:
    """Enum numbers by name (case-insensitive, with or without the enum's prefix); 0 for empty."""

    def number(value: str) -> int:
        if not value:
            return 0
        return names.get(value.strip().lower().removeprefix(prefix), _UNKNOWN_ENUM)

    by_value = {value: number(value) for value in set(values)}
    return [by_value[value] for value in values]


def transactions_from_table(table: pa.Table) -> list[common_pb2.Transaction]:
    """One Transaction per row of a table with (some of) the columns above, typed or all strings."""
    text = {
        name: _texts(table, name) for name in COLUMNS if TRANSACTION_SCHEMA.field(name).type == pa.string()
    }
    rows = zip(
        text["transaction_id"], text["merchant_id"], text["payer_id"], text["payee_id"], text["device_id"],
        text["card_id"], _codes(text["type"], _TYPES, "transaction_type_"),
        _codes(text["channel"], _CHANNELS, "channel_"), text["ip_address"], _tags(table, "business_tags"),
        text["description"], text["merchant_category_code"], text["currency"], _integers(table, "amount_minor"),
        _integers(table, "fee_minor"), _times_us(table, "occurred_at"), text["country_code"], text["city"],
        _floats(table, "latitude"), _floats(table, "longitude"),
        strict=True,
    )  # fmt: skip
    transactions = []
    for (
        transaction_id, merchant_id, payer_id, payee_id, device_id, card_id, kind, channel, ip_address, tags,
        description, mcc, currency, amount, fee, occurred_us, country, city, latitude, longitude,
    ) in rows:  # fmt: skip
        tx = common_pb2.Transaction(
            transaction_id=transaction_id,
            merchant_id=merchant_id,
            payer_id=payer_id,
            payee_id=payee_id,
            device_id=device_id,
            card_id=card_id,
            type=kind,
            channel=channel,
            ip_address=ip_address,
            business_tags=tags,
            description=description,
            merchant_category_code=mcc,
        )
        if amount is not None:
            _set_money(tx.amount, currency, amount)
        if fee is not None:
            _set_money(tx.fee, currency, fee)
        if occurred_us is not None:
            seconds, micros = divmod(occurred_us, 1_000_000)
            tx.occurred_at.seconds = seconds
            tx.occurred_at.nanos = micros * 1000
        if country or city or latitude is not None or longitude is not None:
            _set_location(tx.location, country, city, latitude, longitude)
        transactions.append(tx)
    return transactions


def _set_money(money: common_pb2.Money, currency: str, minor_units: int) -> None:
    money.currency_code = currency
    money.minor_units = minor_units


def _set_location(
    location: common_pb2.Location, country: str, city: str, latitude: float | None, longitude: float | None
) -> None:
    location.country_code = country
    location.city = city
    if latitude is not None or longitude is not None:
        location.point.latitude = float("nan") if latitude is None else latitude
        location.point.longitude = float("nan") if longitude is None else longitude


# Sending


@dataclass(frozen=True, slots=True)
class Rejection:
    # Position of the row among the rows sent, from 1 (for a malformed CSV line: its line number).
    row: int
    transaction_id: str
    field: str
    description: str

    def __str__(self) -> str:
        if not self.field:
            return self.description
        return f"row {self.row} ({self.transaction_id or 'no id'}): {self.field}: {self.description}"


@dataclass
class ImportSummary:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    first_rejections: list[Rejection] = field(default_factory=list)

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        if len(self.first_rejections) < KEEP_REJECTIONS:
            self.first_rejections.append(rejection)

    def record(self, response: ingest_pb2.IngestTransactionsResponse, first_row: int) -> None:
        self.accepted += response.accepted
        self.duplicates += response.duplicates
        for error in response.rejected:
            self.reject(Rejection(first_row + error.index, error.id, error.field, error.description))

    def __str__(self) -> str:
        lines = [f"accepted {self.accepted:,}  duplicates {self.duplicates:,}  rejected {self.rejected:,}"]
        lines += [f"  {r}" for r in self.first_rejections]
        if self.rejected > len(self.first_rejections):
            lines.append(f"  ... and {self.rejected - len(self.first_rejections):,} more")
        return "\n".join(lines)


async def send_transactions(
    stub: ingest_pb2_grpc.IngestServiceStub,
    batches: Iterable[list[common_pb2.Transaction]],
    summary: ImportSummary,
    progress: tqdm | None = None,
    first_row: int = 1,
) -> None:
    """Send the batches on one IngestTransactions stream, recording the service's answers in `summary`."""
    sent: dict[str, tuple[int, int]] = {}

    async def requests() -> AsyncIterator[ingest_pb2.IngestTransactionsRequest]:
        row = first_row
        for number, batch in enumerate(batches):
            sent[str(number)] = (row, len(batch))
            row += len(batch)
            yield ingest_pb2.IngestTransactionsRequest(batch_id=str(number), transactions=batch)

    async for response in stub.IngestTransactions(requests()):
        row, size = sent.pop(response.batch_id)
        summary.record(response, row)
        if progress is not None:
            progress.update(size)


async def import_file(
    address: str, path: Path, *, batch_size: int = DEFAULT_BATCH_SIZE, show_progress: bool = True
) -> ImportSummary:
    """Send every row of the file to the ingest service at `address`; what it said, in a summary."""
    summary = ImportSummary()
    malformed: list[Rejection] = []
    batches = read_transaction_batches(path, batch_size, malformed)
    with tqdm(total=row_count(path), unit="tx", desc=path.name, disable=not show_progress) as progress:
        async with open_channel(address, client_tls()) as channel:
            await send_transactions(ingest_pb2_grpc.IngestServiceStub(channel), batches, summary, progress)
    for rejection in malformed:
        summary.reject(rejection)
    return summary
