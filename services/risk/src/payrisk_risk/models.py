"""Tables owned by risk: settlement reviews, each with the follow-up work it still owes.

A review is stored before any of its effects is attempted, so that a freeze the ledger has not confirmed
(and a notice push has not taken) is retried until it lands, across restarts too.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, LargeBinary, Table, Text, text
from sqlmodel import Field, SQLModel


class SettlementReviewRow(SQLModel, table=True):
    __tablename__ = "settlement_reviews"

    instruction_id: str = Field(primary_key=True, max_length=128)
    merchant_id: str = Field(max_length=128)
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    # The serialised ReviewSettlementResponse as decided (verdict, assessment, freeze id and amount).
    response: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # What is owed, serialised: the ledger.v1.FreezeFundsRequest and the push.v1.Notification; None if nothing.
    freeze_request: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    notification: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    freeze_landed: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    ledger_transaction_id: str = Field(default="", max_length=128)
    settlement_marked: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    notified: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    # Set when a service refused (not merely missed) a follow-up: retrying cannot help, an operator must look.
    blocked: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    updated_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))

    __table_args__ = (
        # Partial: only reviews that still owe something, so the retry loop finds them without a scan.
        Index(
            "ix_settlement_reviews_owing",
            "created_at_us",
            sqlite_where=text(
                "freeze_request IS NOT NULL AND NOT blocked AND NOT (freeze_landed AND settlement_marked AND notified)"
            ),
            postgresql_where=text(
                "freeze_request IS NOT NULL AND NOT blocked AND NOT (freeze_landed AND settlement_marked AND notified)"
            ),
        ),
        Index("ix_settlement_reviews_merchant_time", "merchant_id", "created_at_us"),
    )


SETTLEMENT_REVIEWS: Table = SettlementReviewRow.__table__  # type: ignore[attr-defined]
