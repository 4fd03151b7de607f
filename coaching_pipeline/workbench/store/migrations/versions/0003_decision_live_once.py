"""One decision in force per coaching event, enforced by the database (store/models.py
Decision.live_key): two deciders racing on the same event (a manager and their SLM) could
both pass the checks of decisions.decide and both insert a decision; with the unique index
the second insert fails and is refused instead of silently superseding the first.

live_key is the event's coaching_id while the decision is in force, null once undone or
superseded (a unique index ignores nulls on SQLite and PostgreSQL alike, so any number of
old decisions keep theirs null). Existing rows: the newest decision in force of each event
gets its key; an older one a past race left in force too keeps null (it cannot hold the key
and would fail the index).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("decision", sa.Column("live_key", sa.String(64)))  # a plain ADD COLUMN on both databases
    op.execute("""
        update decision set live_key = coaching_id
        where undone_at is null and superseded_by is null
          and id = (select max(d.id) from decision d
                    where d.coaching_id = decision.coaching_id and d.undone_at is null and d.superseded_by is null)""")
    op.create_index("decision_live_once", "decision", ["live_key"], unique=True)


def downgrade() -> None:
    op.drop_index("decision_live_once", table_name="decision")
    with op.batch_alter_table("decision") as batch:  # SQLite cannot drop a column in place before 3.35
        batch.drop_column("live_key")
