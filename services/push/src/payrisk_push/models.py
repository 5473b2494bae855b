"""Tables owned by push: subscriptions, notifications and their delivery to each terminal, dismissals."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, LargeBinary, Table, Text
from sqlmodel import Field, SQLModel


class SubscriptionRow(SQLModel, table=True):
    __tablename__ = "subscriptions"

    subscriber_id: str = Field(primary_key=True, max_length=128)
    # Sorted tags joined by ",".
    tags: str = Field(sa_column=Column(Text, nullable=False))


class NotificationRow(SQLModel, table=True):
    __tablename__ = "notifications"

    notification_id: str = Field(primary_key=True, max_length=128)
    merchant_id: str = Field(default="", max_length=128, index=True)
    terminal_id: str = Field(default="", max_length=128, index=True)
    # The serialised payrisk.push.v1.Notification as accepted.
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))


class DeliveryRow(SQLModel, table=True):
    """A notification acknowledged by one terminal; anything without a row here is still owed to it."""

    __tablename__ = "deliveries"

    notification_id: str = Field(primary_key=True, max_length=128)
    terminal_id: str = Field(primary_key=True, max_length=128)
    attempts: int = 0
    acked_at_us: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


class DismissalRow(SQLModel, table=True):
    __tablename__ = "dismissals"

    subscriber_id: str = Field(primary_key=True, max_length=128)
    object_id: str = Field(primary_key=True, max_length=128)


class ModelStateRow(SQLModel, table=True):
    """The mining model and the export cursor it has reached, saved together after each run."""

    __tablename__ = "mining_state"

    id: int = Field(default=1, primary_key=True)
    cursor: int = Field(sa_column=Column(BigInteger, nullable=False))
    model: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


SUBSCRIPTIONS: Table = SubscriptionRow.__table__  # type: ignore[attr-defined]
NOTIFICATIONS: Table = NotificationRow.__table__  # type: ignore[attr-defined]
DELIVERIES: Table = DeliveryRow.__table__  # type: ignore[attr-defined]
DISMISSALS: Table = DismissalRow.__table__  # type: ignore[attr-defined]
MODEL_STATE: Table = ModelStateRow.__table__  # type: ignore[attr-defined]
