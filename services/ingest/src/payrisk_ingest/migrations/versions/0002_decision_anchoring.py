"""decisions: outcome and score for the review queue, anchor batches and receipts

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.SmallInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("score", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("anchor_batch", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_index(
            "ix_transactions_to_review",
            ["seq"],
            unique=False,
            sqlite_where=sa.text("outcome >= 2"),
            postgresql_where=sa.text("outcome >= 2"),
        )
        batch_op.create_index(
            "ix_transactions_unanchored",
            ["seq"],
            unique=False,
            sqlite_where=sa.text("scoring_state = 1 AND anchor_batch IS NULL"),
            postgresql_where=sa.text("scoring_state = 1 AND anchor_batch IS NULL"),
        )
    # Decisions recorded before this revision carry their outcome and score only in the serialised
    # decision; they keep outcome 0 and are not listed by outcome (the anchorer still picks them up).
    op.create_table(
        "decision_batches",
        sa.Column("batch_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at_us", sa.BigInteger(), nullable=False),
        sa.Column("anchored_at_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    op.create_index(
        "ix_decision_batches_pending",
        "decision_batches",
        ["created_at_us"],
        unique=False,
        sqlite_where=sa.text("anchored_at_us IS NULL"),
        postgresql_where=sa.text("anchored_at_us IS NULL"),
    )
    op.create_table(
        "decision_receipts",
        sa.Column("transaction_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("batch_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("receipt", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("transaction_id"),
    )


def downgrade() -> None:
    op.drop_table("decision_receipts")
    op.drop_index("ix_decision_batches_pending", table_name="decision_batches")
    op.drop_table("decision_batches")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_transactions_unanchored")
        batch_op.drop_index("ix_transactions_to_review")
        batch_op.drop_column("anchor_batch")
        batch_op.drop_column("score")
        batch_op.drop_column("outcome")
