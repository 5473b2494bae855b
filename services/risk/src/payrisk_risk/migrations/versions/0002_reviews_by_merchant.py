"""settlement reviews listed by merchant

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_settlement_reviews_merchant_time",
        "settlement_reviews",
        ["merchant_id", "created_at_us"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_settlement_reviews_merchant_time", table_name="settlement_reviews")
