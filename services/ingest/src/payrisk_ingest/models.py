"""Tables owned by ingest. Times are UTC epoch microseconds, money is integer minor units.

Each row keeps the exact protobuf it was accepted as (`payload`), so reads return precisely what was
sent and "same id, same content" is a byte comparison. The other columns are only those that queries
filter or sum on: every extra column costs on the ingestion hot path.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import BigInteger, Column, Float, Index, Integer, LargeBinary, SmallInteger, Table, text
from sqlmodel import Field, SQLModel


class MerchantRow(SQLModel, table=True):
    __tablename__ = "merchants"

    merchant_id: str = Field(primary_key=True, max_length=128)
    latitude: float
    longitude: float
    registered_capital_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    capital_currency: str = Field(max_length=3)
    registration_type: str = Field(max_length=64)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))

    __table_args__ = (Index("ix_merchants_lat_lon", "latitude", "longitude"),)


class DeviceRow(SQLModel, table=True):
    __tablename__ = "devices"

    device_id: str = Field(primary_key=True, max_length=128)
    merchant_id: str = Field(index=True, max_length=128)
    public_key_pem: str
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # Highest offline-bill sequence accepted so far.
    last_sequence: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


class StoredTransaction(Protocol):
    """What reads of stored transactions give: a TransactionRow, or the database's own row for its columns
    (a page of thousands is not worth a validated model object per row)."""

    @property
    def seq(self) -> int | None: ...
    @property
    def transaction_id(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def ingested_at_us(self) -> int: ...
    @property
    def settlement_status(self) -> int: ...
    @property
    def scoring_state(self) -> int: ...
    @property
    def decision(self) -> bytes | None: ...
    @property
    def label(self) -> int: ...
    @property
    def label_scenario(self) -> str | None: ...
    @property
    def bill_id(self) -> str | None: ...


class TransactionRow(SQLModel, table=True):
    __tablename__ = "transactions"

    # Ingestion order; the export cursor.
    # (SQLite only auto-increments an INTEGER primary key, hence the variant.)
    seq: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    transaction_id: str = Field(unique=True, max_length=128)
    merchant_id: str = Field(max_length=128)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    channel: int = Field(sa_column=Column(SmallInteger, nullable=False))
    occurred_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    ingested_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    settlement_status: int = Field(sa_column=Column(SmallInteger, nullable=False))
    scoring_state: int = Field(sa_column=Column(SmallInteger, nullable=False))
    # A serialised payrisk.common.v1.Decision once scored.
    decision: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    label: int = Field(default=0, sa_column=Column(SmallInteger, nullable=False, default=0))
    label_source: str | None = Field(default=None, max_length=64)
    label_scenario: str | None = Field(default=None, max_length=64)
    labeled_at_us: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    bill_id: str | None = Field(default=None, max_length=128)
    # From the decision, for the review queue: payrisk.common.v1.Outcome (0 while undecided) and the score.
    outcome: int = Field(default=0, sa_column=Column(SmallInteger, nullable=False, default=0))
    score: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    # The ledger batch the decision is (being) anchored in.
    anchor_batch: str | None = Field(default=None, max_length=64)

    __table_args__ = (
        Index("ix_transactions_merchant_time", "merchant_id", "occurred_at_us"),
        # Partial, like the next: only what analysts review, newest first.
        Index(
            "ix_transactions_to_review",
            "seq",
            sqlite_where=text("outcome >= 2"),
            postgresql_where=text("outcome >= 2"),
        ),
        # Decided but not yet in an anchor batch: what the anchorer picks up next.
        Index(
            "ix_transactions_unanchored",
            "seq",
            sqlite_where=text("scoring_state = 1 AND anchor_batch IS NULL"),
            postgresql_where=text("scoring_state = 1 AND anchor_batch IS NULL"),
        ),
        # Partial: only transactions waiting for a decision are in it, so ingesting without scoring never
        # touches it and the sweeper finds the waiting ones without a scan.
        Index(
            "ix_transactions_unscored",
            "seq",
            sqlite_where=text("scoring_state = 2"),
            postgresql_where=text("scoring_state = 2"),
        ),
    )


class OfflineBillRow(SQLModel, table=True):
    __tablename__ = "offline_bills"

    bill_id: str = Field(primary_key=True, max_length=128)
    device_id: str = Field(max_length=128)
    sequence: int = Field(sa_column=Column(BigInteger, nullable=False))
    transaction_id: str = Field(max_length=128)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    signature: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    synced_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))

    __table_args__ = (Index("ux_offline_bills_device_sequence", "device_id", "sequence", unique=True),)


class DeviceEventRow(SQLModel, table=True):
    __tablename__ = "device_events"

    id: int | None = Field(default=None, primary_key=True)
    device_id: str = Field(index=True, max_length=128)
    kind: int = Field(sa_column=Column(SmallInteger, nullable=False))
    first_sequence: int = Field(sa_column=Column(BigInteger, nullable=False))
    last_sequence: int = Field(sa_column=Column(BigInteger, nullable=False))
    bill_id: str = Field(max_length=128)
    detected_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))


class DecisionBatchRow(SQLModel, table=True):
    """A batch of decisions reserved for one ledger anchor: kept until the ledger has confirmed it."""

    __tablename__ = "decision_batches"

    batch_id: str = Field(primary_key=True, max_length=64)
    created_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    # Set once the receipts are stored.
    anchored_at_us: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))

    __table_args__ = (
        Index(
            "ix_decision_batches_pending",
            "created_at_us",
            sqlite_where=text("anchored_at_us IS NULL"),
            postgresql_where=text("anchored_at_us IS NULL"),
        ),
    )


class DecisionReceiptRow(SQLModel, table=True):
    __tablename__ = "decision_receipts"

    transaction_id: str = Field(primary_key=True, max_length=128)
    batch_id: str = Field(max_length=64)
    # A serialised payrisk.ledger.v1.Receipt.
    receipt: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


# The tables as SQLAlchemy Core objects, for bulk statements on hot paths.
MERCHANTS: Table = MerchantRow.__table__  # type: ignore[attr-defined]
DEVICES: Table = DeviceRow.__table__  # type: ignore[attr-defined]
TRANSACTIONS: Table = TransactionRow.__table__  # type: ignore[attr-defined]
OFFLINE_BILLS: Table = OfflineBillRow.__table__  # type: ignore[attr-defined]
DEVICE_EVENTS: Table = DeviceEventRow.__table__  # type: ignore[attr-defined]
DECISION_BATCHES: Table = DecisionBatchRow.__table__  # type: ignore[attr-defined]
DECISION_RECEIPTS: Table = DecisionReceiptRow.__table__  # type: ignore[attr-defined]
