"""Transactions as a table in the importer's file format (plus their fraud scenario), and files of them."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from payrisk.common.v1 import common_pb2

from ..importer import CHANNEL_NAMES, TAG_SEPARATOR, TRANSACTION_SCHEMA, TYPE_NAMES
from .catalog import CATEGORIES, CURRENCY, MAX_ITEMS, REFUND_PREFIX
from .places import COUNTRY, PLACES
from .scenarios import SCENARIOS
from .world import World

if TYPE_CHECKING:
    from .stream import TransactionBatch

SCHEMA = TRANSACTION_SCHEMA.append(pa.field("fraud_scenario", pa.string()))
CSV_SCHEMA = SCHEMA.set(SCHEMA.get_field_index("business_tags"), pa.field("business_tags", pa.string()))


def _names(by_number: dict[int, str]) -> pa.Array:
    return pa.array([by_number.get(i, "") for i in range(max(by_number) + 1)], pa.string())


def _descriptions(world: World) -> list[str]:
    """Per merchant, item and (sale, refund): the text on the bill."""
    m = world.merchants
    texts = []
    for name_zh, name_en, category in zip(m.names_zh, m.names_en, m.category, strict=True):
        items = CATEGORIES[int(category)].items
        for k in range(MAX_ITEMS):
            item_zh, item_en = items[k % len(items)]
            sale = f"{name_zh} {item_zh} {name_en} {item_en}"
            texts += [sale, f"{REFUND_PREFIX[0]} {name_zh} {item_zh} {REFUND_PREFIX[1]} {name_en} {item_en}"]
    return texts


class Lookups:
    """The strings the integer columns index into, as Arrow arrays: made once per world, used by every batch."""

    def __init__(self, world: World) -> None:
        m = world.merchants
        self.n_merchants = len(m)
        # Merchants, then payers: the payer and payee columns index this.
        self.accounts = pa.array(m.ids + world.payers.ids, pa.string())
        self.devices = pa.array(["", *world.devices.ids], pa.string())
        self.cards = pa.array(world.payers.card_ids, pa.string())
        self.ip_addresses = pa.array(["", *world.ip_addresses], pa.string())
        self.cities = pa.array([p.name_en for p in PLACES], pa.string())
        self.countries = pa.array([COUNTRY] * len(PLACES), pa.string())
        categories = [CATEGORIES[int(c)] for c in m.category]
        self.merchant_tags = pa.array([[c.tag, c.group] for c in categories], pa.list_(pa.string()))
        self.merchant_mccs = pa.array([c.mcc for c in categories], pa.string())
        self.descriptions = pa.array(_descriptions(world), pa.string())
        self.types = _names(TYPE_NAMES)
        self.channels = _names(CHANNEL_NAMES)
        self.scenarios = pa.array(SCENARIOS, pa.string())


def to_arrow(batch: TransactionBatch) -> pa.Table:
    c, names = batch.columns, batch.lookups
    n = len(c)
    payee = np.where(c.payee >= 0, names.n_merchants + c.payee, c.merchant)
    description = (c.merchant * MAX_ITEMS + c.item) * 2 + (c.type == common_pb2.TRANSACTION_TYPE_REFUND)
    columns = [
        pa.array(batch.transaction_ids, pa.string()),
        names.accounts.take(c.merchant),
        names.accounts.take(names.n_merchants + c.payer),
        names.accounts.take(payee),
        names.devices.take(c.device + 1),
        names.cards.take(c.card),
        pa.array(c.amount_minor, pa.int64()),
        pa.array(c.fee_minor, pa.int64()),
        pa.repeat(pa.scalar(CURRENCY, pa.string()), n),
        names.types.take(c.type),
        names.channels.take(c.channel),
        pa.array(c.occurred_at_us, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        names.countries.take(c.place),
        names.cities.take(c.place),
        pa.array(c.latitude, pa.float64()),
        pa.array(c.longitude, pa.float64()),
        names.ip_addresses.take(c.ip + 1),
        names.merchant_tags.take(c.merchant),
        names.descriptions.take(description),
        names.merchant_mccs.take(c.merchant),
        names.scenarios.take(c.scenario),
    ]
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def to_rows(batch: TransactionBatch) -> list[dict[str, object]]:
    """One dict per transaction, keyed by the file format's column names."""
    rows: list[dict[str, object]] = to_arrow(batch).to_pylist()
    return rows


class TransactionWriter:
    """Writes batches to a .csv or .parquet file, chosen by its name."""

    def __init__(self, path: Path) -> None:
        suffix = path.suffix.lower()
        self._csv = suffix == ".csv"
        if self._csv:
            self._writer: pa_csv.CSVWriter | pq.ParquetWriter = pa_csv.CSVWriter(path, CSV_SCHEMA)
        elif suffix in (".parquet", ".pq"):
            self._writer = pq.ParquetWriter(path, SCHEMA, compression="zstd")
        else:
            raise ValueError(f"{path}: write .csv or .parquet")
        self.rows = 0

    def write(self, batch: TransactionBatch) -> None:
        table = to_arrow(batch)
        if self._csv:
            index = table.schema.get_field_index("business_tags")
            tags = pc.binary_join(table.column(index), TAG_SEPARATOR)
            table = table.set_column(index, CSV_SCHEMA.field(index), tags)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> TransactionWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
