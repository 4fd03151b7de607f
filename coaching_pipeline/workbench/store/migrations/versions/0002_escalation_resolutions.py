"""An SLM's resolution of an escalation the pipeline raised (store/resolution_models.py).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalation_resolution",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("escalation_id", sa.String(64), nullable=False),
        sa.Column("rep_id", sa.String(64), nullable=False, index=True),
        sa.Column("resolved_by", sa.String(64), nullable=False),
        sa.Column("resolved_at", sa.DateTime, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.UniqueConstraint("escalation_id", name="escalation_resolution_once"),
    )


def downgrade() -> None:
    op.drop_table("escalation_resolution")
