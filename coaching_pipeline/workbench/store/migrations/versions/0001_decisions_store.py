"""The decisions store's first tables (written by hand, like every later revision).

Revision ID: 0001
Revises:
"""

import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    identity = op.create_table(
        "store_identity",
        sa.Column("store_uuid", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.bulk_insert(identity, [{"store_uuid": str(uuid.uuid4()),
                               "created_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}])
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("coaching_id", sa.String(64), nullable=False, index=True),
        sa.Column("rep_id", sa.String(64), nullable=False, index=True),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("action_text", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
        sa.Column("superseded_by", sa.Integer, sa.ForeignKey("decision.id")),
        sa.Column("undone_at", sa.DateTime),
        sa.Column("applied_at", sa.DateTime),
        sa.CheckConstraint("decision in ('approved', 'modified', 'dismissed')", name="decision_kind"),
    )
    op.create_table(
        "escalation_request",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rep_id", sa.String(64), nullable=False, index=True),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("applied_at", sa.DateTime),
        sa.Column("resolved_by", sa.String(64)),
        sa.Column("resolved_at", sa.DateTime),
        sa.Column("resolution_note", sa.Text),
    )
    op.create_table(
        "note",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rep_id", sa.String(64), nullable=False, index=True),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "action_outcome",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("opportunity_id", sa.String(64), nullable=False, index=True),
        sa.Column("rep_id", sa.String(64), nullable=False, index=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("deferred_until", sa.Date),
        sa.Column("reason", sa.Text),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
        sa.Column("undone_at", sa.DateTime),
        sa.CheckConstraint("outcome in ('done', 'deferred')", name="outcome_kind"),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
        sa.Column("actor", sa.String(320)),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(128)),
        sa.Column("allowed", sa.Boolean, nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.Column("detail", sa.Text),
    )


def downgrade() -> None:
    for table in ("audit_entry", "action_outcome", "note", "escalation_request", "decision", "store_identity"):
        op.drop_table(table)
