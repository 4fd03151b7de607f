"""Schema `coaching` of the DuckDB warehouse: its tables, created IF NOT EXISTS and never
dropped, so rebuilding the dbt schemas keeps them (state.py writes them, approvals.py the
managers' decisions, table_docs.py their comments).
"""

from __future__ import annotations

import duckdb

from ..db import existing_tables, is_read_only
from .state_dates import SCHEMA
from .table_docs import document_coaching_tables

PENDING = "pending_approval"

ASSESSMENT_COLUMNS = (
    "rep_id", "role", "manager_id", "assessment_date", "skill", "score", "level", "components",
    "gap_detected", "severity", "evidence_source", "trend", "cohort_percentile",
    "weakest_component", "weakest_value", "weakest_target",
)
DECISION_COLUMNS = ("approval_status", "decided_by", "decided_at", "decision_note", "approved_action")

DDL = [
    f"create schema if not exists {SCHEMA}",
    f"""create table if not exists {SCHEMA}.skill_assessment_log (
        rep_id varchar not null,
        role varchar,
        manager_id varchar,
        assessment_date date not null,
        skill varchar not null,
        score double,
        level varchar,
        components varchar,          -- JSON list of {{component, value, target_low, target_high, score, evidence_count}}
        gap_detected boolean,
        severity varchar,
        evidence_source varchar,     -- JSON list
        trend varchar,
        cohort_percentile double,
        weakest_component varchar,
        weakest_value double,
        weakest_target varchar,
        primary key (rep_id, assessment_date, skill)
    )""",
    f"""create table if not exists {SCHEMA}.coaching_log (
        coaching_id varchar primary key,
        rep_id varchar not null,
        rep_name varchar,
        role varchar,
        manager_id varchar,
        slm_id varchar,
        pattern_key varchar not null,
        pattern_detected varchar,
        recommended_action varchar,
        opened_on date not null,
        last_assessed_on date,
        weeks_flagged integer,
        escalated_to_slm boolean,
        escalation_date date,
        escalation_reason varchar,
        resolution_date date,
        improvement_detected boolean,
        status varchar,                                   -- open | resolved
        approval_status varchar not null default '{PENDING}',  -- pending_approval | approved | modified | dismissed
        decided_by varchar,
        decided_at timestamp,                             -- UTC
        decision_note varchar,
        approved_action varchar,                          -- what the rep may see (approved or modified)
        sample_size integer,                              -- evidence behind the latest flagged week
        benchmark_value double,                           -- the cohort score it was compared with
        benchmark_cohort varchar,
        surfaced_on date,                                 -- when it got a focus-area slot
        queued boolean,                                   -- open, waiting for a slot (signal.py)
        example_calls varchar,                            -- JSON, up to 3 calls showing the gap (examples.py)
        example_deals varchar                             -- JSON, up to 3 deals showing the gap (example_deals.py)
    )""",
    f"""create table if not exists {SCHEMA}.coaching_history (
        coaching_id varchar not null,
        assessment_date date not null,
        flagged boolean,
        metric_value double,
        clock_week integer,
        clock_reset boolean,
        escalated boolean,
        primary key (coaching_id, assessment_date)
    )""",
    f"""create table if not exists {SCHEMA}.escalations (
        escalation_id varchar primary key,
        rep_id varchar not null,
        role varchar,
        rule varchar not null,        -- persistence | attainment | bottom_quartile | manual
        pattern_key varchar,
        coaching_id varchar,
        escalated_to varchar,         -- slm | manager | manager_and_slm
        manager_id varchar,
        slm_id varchar,
        escalation_date date not null,
        reason varchar,
        history varchar,              -- JSON list of the weekly history behind the escalation
        escalated_by varchar,         -- manual escalations only
        escalated_at timestamp        -- manual escalations only (UTC)
    )""",
    f"""create table if not exists {SCHEMA}.daily_flags (
        flag_id varchar primary key,
        rep_id varchar not null,
        manager_id varchar,
        rule varchar not null,        -- attainment | large_deal_red
        flag_week date not null,      -- Monday of flag_date
        flag_date date not null,      -- the run date that first raised it
        detail varchar,
        opportunity_id varchar
    )""",
    f"""create table if not exists {SCHEMA}.process_gaps (
        role varchar,
        skill varchar not null,
        assessment_date date not null,
        scored_sellers integer,
        sellers_with_gap integer,
        share_with_gap double,
        median_score double,
        common_weakest_component varchar
    )""",
    f"create sequence if not exists {SCHEMA}.decision_seq",
    f"""create table if not exists {SCHEMA}.decisions (
        decision_id bigint primary key default nextval('{SCHEMA}.decision_seq'),
        coaching_id varchar,          -- null for a manual escalation
        rep_id varchar,
        decision varchar not null,    -- approved | modified | dismissed | escalated
        decided_by varchar not null,
        decided_at timestamp not null, -- UTC
        action_text varchar,
        note varchar
    )""",
    # What the coaching step copied from the decisions store (workbench/store/apply.py): one
    # row per store row applied, written in the same transaction as the change it records,
    # so a crash before the store marks the row applied never applies it twice.
    f"""create table if not exists {SCHEMA}.applied_decisions (
        store_uuid varchar not null,  -- the store's own id (store_identity)
        store_kind varchar not null,  -- decision | escalation_request
        store_id bigint not null,     -- the row's id in the store
        applied_at timestamp not null, -- UTC
        result varchar not null,      -- applied | unknown_event | refused
        detail varchar,
        primary key (store_uuid, store_kind, store_id)
    )""",
    f"""create table if not exists {SCHEMA}.action_outcomes (
        outcome_id bigint not null,
        opportunity_id varchar not null,
        rep_id varchar not null,
        outcome varchar not null,     -- done | deferred
        deferred_until date,
        reason varchar,
        decided_by varchar not null,
        decided_at timestamp not null, -- UTC
        undone_at timestamp,           -- UTC
        copied_at timestamp not null   -- UTC
    )""",
]

STATE_TABLES = ("skill_assessment_log", "coaching_log", "coaching_history", "escalations", "daily_flags", "decisions")
# Rewritten whole by every replay from skill_assessment_log (nothing of its own to purge).
DERIVED_TABLES = ("process_gaps",)
# Columns added to a table after its first release: a warehouse from before gets them once.
ADDED_COLUMNS = {
    "coaching_log": (("sample_size", "integer"), ("benchmark_value", "double"), ("benchmark_cohort", "varchar"),
                     ("surfaced_on", "date"), ("queued", "boolean"), ("example_calls", "varchar"),
                     ("example_deals", "varchar")),
}
# Copied from the decisions store at the start of each run (workbench/store/apply.py); not
# coaching state a purge replays.
STORE_TABLES = ("applied_decisions", "action_outcomes")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create whatever part of schema `coaching` is missing (no table or column is ever
    dropped or altered), then bring the tables' comments up to date (table_docs.py: one catalog query
    when they are). A no-op when every table and comment is there, so read-only connections
    work too."""
    if not existing_tables(con, SCHEMA).issuperset(STATE_TABLES + DERIVED_TABLES + STORE_TABLES):
        for statement in DDL:
            con.execute(statement)
    _add_columns(con)
    document_coaching_tables(con)


def _add_columns(con: duckdb.DuckDBPyConnection) -> None:
    """ADDED_COLUMNS a warehouse lacks (one catalog query when it has them all)."""
    have = set(con.execute(
        "select table_name, column_name from duckdb_columns() where database_name = current_database() "
        "and schema_name = ?", [SCHEMA]).fetchall())
    missing = [(table, column, kind) for table, columns in ADDED_COLUMNS.items() for column, kind in columns
               if (table, column) not in have]
    if missing and not is_read_only(con):
        for table, column, kind in missing:
            con.execute(f"alter table {SCHEMA}.{table} add column if not exists {column} {kind}")
