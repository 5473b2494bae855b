"""Tables owned by the ledger service: the embedded backend's signed log, and the anchoring outbox."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, LargeBinary, Table, Text
from sqlmodel import Field, SQLModel


class BlockRow(SQLModel, table=True):
    """One write of the embedded ledger, chained to the previous one by hash and signed."""

    __tablename__ = "embedded_blocks"

    number: int = Field(primary_key=True)
    transaction_id: str = Field(max_length=64, unique=True)
    # "freeze", "release" or "anchor"
    kind: str = Field(max_length=16)
    key: str = Field(max_length=256, index=True)
    # The merchant of a freeze, so a merchant's freezes are found without a scan.
    subject: str = Field(default="", max_length=128, index=True)
    # Canonical JSON of what was written.
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    timestamp_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    previous_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    signature: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class OutboxRow(SQLModel, table=True):
    """An anchoring request accepted by the service and not yet confirmed by the ledger."""

    __tablename__ = "anchor_outbox"

    batch_id: str = Field(primary_key=True, max_length=128)
    # JSON of the Anchor to commit.
    anchor: str = Field(sa_column=Column(Text, nullable=False))
    attempts: int = 0
    last_error: str = ""
    created_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))


BLOCKS: Table = BlockRow.__table__  # type: ignore[attr-defined]
OUTBOX: Table = OutboxRow.__table__  # type: ignore[attr-defined]
