"""Coaching state in the DuckDB warehouse: schema `coaching` (created IF NOT EXISTS and never
dropped, so rebuilding the dbt schemas keeps it), persistence of assessments, replays and
daily flags, and the manager approval gate.

Everything derived from assessments is deterministic (ids are hashes, no wall clock);
decisions and manual escalations carry the wall-clock UTC time they were made (naive
TIMESTAMP columns holding UTC).

Decisions where the design is silent:
- save_assessments works per week: a week (assessment_date) already in the log is skipped
  whole, so re-assessing it (even with a rep added since) changes nothing.
- apply_replay deletes undecided events the replay no longer produces (with their history);
  a decided event the replay no longer produces (possible after a backfill moved its first
  week) is kept untouched with its decision and history. Automatic escalations the replay no
  longer produces are deleted; manual ones are never touched.
- The manager allowed to decide on an event is the rep's current manager in
  intermediate.int_users when that table exists and names one, else the event's manager_id.
- list_pending shows pending events that are still open (include_resolved=True adds pending
  events whose pattern has cleared).
- The audit table names its columns decided_by / decided_at (BY and AT are SQL keywords); a
  manual escalation is audited there too (decision 'escalated', coaching_id null).
- Nothing is written for a date after the run's as_of or after today (state_dates.py); a
  refused save writes nothing at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import duckdb
import polars as pl

from ..db import rollback
from .rules import (
    DAILY_FLAG_SCHEMA,
    ESCALATION_SCHEMA,
    EVENT_SCHEMA,
    HISTORY_SCHEMA,
    Replay,
    short_hash,
    without_slm_to_manager,
)
from .state_dates import check_dates, check_frame
from .table_docs import document_coaching_tables

SCHEMA = "coaching"
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
        approved_action varchar                           -- what the rep may see (approved or modified)
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
]

STATE_TABLES = ("skill_assessment_log", "coaching_log", "coaching_history", "escalations", "daily_flags", "decisions")


class ApprovalRefused(Exception):
    """A decision or escalation the gate refuses; nothing was changed."""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create whatever part of schema `coaching` is missing (no table or column is ever
    dropped or altered), then bring the tables' comments up to date (table_docs.py: one catalog query
    when they are). A no-op when every table and comment is there, so read-only connections
    work too."""
    present = _count(
        con,
        "select count(*) from information_schema.tables where table_schema = ? and table_name in ("
        + ", ".join("?" * len(STATE_TABLES)) + ")",
        [SCHEMA, *STATE_TABLES],
    )
    if present < len(STATE_TABLES):
        for statement in DDL:
            con.execute(statement)
    document_coaching_tables(con)


def _in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    # DuckDB has no "in a transaction" flag, and a BEGIN inside one aborts the caller's
    # transaction; in autocommit every statement gets a new transaction id.
    query = "select current_transaction_id()"
    return con.execute(query).fetchone()[0] == con.execute(query).fetchone()[0]


@contextlib.contextmanager
def _transaction(con: duckdb.DuckDBPyConnection):
    if _in_transaction(con):  # the caller's transaction (purge.py): the caller commits
        yield
        return
    con.begin()
    try:
        yield
    except BaseException as exc:
        rollback(con, exc)
        raise
    con.commit()


@contextlib.contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame):
    con.register(name, frame.to_arrow())
    try:
        yield name
    finally:
        con.unregister(name)


def _count(con, sql: str, params=None) -> int:
    return con.execute(sql, params or []).fetchone()[0]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _json_text(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """JSON-encode a list/struct column so it lands as text."""
    if column in frame.columns and frame.schema[column] != pl.String:
        frame = frame.with_columns(
            pl.col(column).map_elements(
                lambda v: json.dumps(v.to_list() if isinstance(v, pl.Series) else v), return_dtype=pl.String
            )
        )
    return frame


# --------------------------------------------------------------------------------------
# assessments


def save_assessments(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, *, as_of: dt.date | None = None,
                     today: dt.date | None = None) -> int:
    """Insert the rows of each week (assessment_date) not yet in skill_assessment_log; a week
    already logged is left exactly as it is. Returns the rows inserted. Raises
    FutureStateDate, writing nothing, when a row is dated after as_of or after today."""
    ensure_schema(con)
    missing = [c for c in ASSESSMENT_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"assessment frame lacks columns {missing}")
    check_frame("skill_assessment_log", frame, ["assessment_date"], as_of=as_of, today=today)
    if frame.is_empty():
        return 0
    frame = _json_text(_json_text(frame.select(ASSESSMENT_COLUMNS), "components"), "evidence_source")
    cols = ", ".join(ASSESSMENT_COLUMNS)
    with _transaction(con), _registered(con, "_coaching_incoming", frame):
        new_rows = _count(
            con,
            f"select count(*) from _coaching_incoming where assessment_date not in "
            f"(select distinct assessment_date from {SCHEMA}.skill_assessment_log)",
        )
        con.execute(
            f"insert into {SCHEMA}.skill_assessment_log ({cols}) select {cols} from _coaching_incoming "
            f"where assessment_date not in (select distinct assessment_date from {SCHEMA}.skill_assessment_log)"
        )
    return new_rows


def read_assessments(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The whole skill_assessment_log (the input of rules.replay)."""
    ensure_schema(con)
    return con.execute(
        f"select {', '.join(ASSESSMENT_COLUMNS)} from {SCHEMA}.skill_assessment_log "
        "order by assessment_date, rep_id, skill"
    ).pl()


def assessed_weeks(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    ensure_schema(con)
    return [r[0] for r in con.execute(
        f"select distinct assessment_date from {SCHEMA}.skill_assessment_log order by 1"
    ).fetchall()]


# --------------------------------------------------------------------------------------
# replay


def _upsert_sql(table: str, columns: list[str], key: list[str], source: str) -> str:
    cols = ", ".join(columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return (
        f"insert into {SCHEMA}.{table} ({cols}) select {cols} from {source} "
        f"on conflict ({', '.join(key)}) do update set {updates}"
    )


def apply_replay(con: duckdb.DuckDBPyConnection, result: Replay, *, today: dt.date | None = None) -> dict[str, int]:
    """Persist a replay: upsert events by coaching_id (decision columns never touched; new
    events start pending_approval), delete undecided events no longer produced, replace the
    history of produced events, upsert automatic escalations and delete the ones no longer
    produced (manual ones kept). Returns counts for run metadata. Raises FutureStateDate,
    writing nothing, when anything is dated after today (the log holds a later week: purge it)."""
    ensure_schema(con)
    events = result.events.select(list(EVENT_SCHEMA))
    history = result.history.select(list(HISTORY_SCHEMA))
    escalations = result.escalations.select(list(ESCALATION_SCHEMA))
    check_frame("coaching_log", events, ["opened_on", "last_assessed_on", "escalation_date", "resolution_date"],
                today=today)
    check_frame("coaching_history", history, ["assessment_date"], today=today)
    check_frame("escalations", escalations, ["escalation_date"], today=today)
    with (
        _transaction(con),
        _registered(con, "_coaching_events", events),
        _registered(con, "_coaching_hist", history),
        _registered(con, "_coaching_esc", escalations),
    ):
        new_events = _count(
            con, f"select count(*) from _coaching_events where coaching_id not in "
                 f"(select coaching_id from {SCHEMA}.coaching_log)",
        )
        new_escalations = _count(
            con, f"select count(*) from _coaching_esc where escalation_id not in "
                 f"(select escalation_id from {SCHEMA}.escalations)",
        )
        deleted_events = _count(
            con, f"select count(*) from {SCHEMA}.coaching_log where approval_status = '{PENDING}' "
                 "and coaching_id not in (select coaching_id from _coaching_events)",
        )
        con.execute(
            f"delete from {SCHEMA}.coaching_log where approval_status = '{PENDING}' "
            "and coaching_id not in (select coaching_id from _coaching_events)"
        )
        con.execute(_upsert_sql("coaching_log", list(EVENT_SCHEMA), ["coaching_id"], "_coaching_events"))

        # History: orphans of deleted events, then stale weeks of produced events, then upsert.
        con.execute(
            f"delete from {SCHEMA}.coaching_history "
            f"where coaching_id not in (select coaching_id from {SCHEMA}.coaching_log)"
        )
        con.execute(
            f"delete from {SCHEMA}.coaching_history h "
            "where h.coaching_id in (select coaching_id from _coaching_events) "
            "and not exists (select 1 from _coaching_hist n "
            "where n.coaching_id = h.coaching_id and n.assessment_date = h.assessment_date)"
        )
        con.execute(_upsert_sql("coaching_history", list(HISTORY_SCHEMA), ["coaching_id", "assessment_date"],
                                "_coaching_hist"))

        deleted_escalations = _count(
            con, f"select count(*) from {SCHEMA}.escalations where rule <> 'manual' "
                 "and escalation_id not in (select escalation_id from _coaching_esc)",
        )
        con.execute(
            f"delete from {SCHEMA}.escalations where rule <> 'manual' "
            "and escalation_id not in (select escalation_id from _coaching_esc)"
        )
        con.execute(_upsert_sql("escalations", list(ESCALATION_SCHEMA), ["escalation_id"], "_coaching_esc"))
    return {
        "events": events.height,
        "new_events": new_events,
        "deleted_events": deleted_events,
        "history_rows": history.height,
        "escalations": escalations.height,
        "new_escalations": new_escalations,
        "deleted_escalations": deleted_escalations,
    }


# --------------------------------------------------------------------------------------
# daily flags


def save_daily_flags(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, *, as_of: dt.date | None = None,
                     today: dt.date | None = None) -> int:
    """Insert the flags whose (rep_id, rule, flag_week, opportunity_id), i.e. flag_id, is not
    logged yet. Returns the rows inserted. Raises FutureStateDate, writing nothing, when a
    flag is dated after as_of or after today."""
    ensure_schema(con)
    if frame.is_empty():
        return 0
    check_frame("daily_flags", frame, ["flag_date", "flag_week"], as_of=as_of, today=today)
    cols = list(DAILY_FLAG_SCHEMA)
    frame = frame.select(cols).unique(subset=["flag_id"], keep="first", maintain_order=True)
    with _transaction(con), _registered(con, "_coaching_flags", frame):
        before = _count(con, f"select count(*) from {SCHEMA}.daily_flags")
        con.execute(
            f"insert into {SCHEMA}.daily_flags ({', '.join(cols)}) select {', '.join(cols)} "
            f"from _coaching_flags where flag_id not in (select flag_id from {SCHEMA}.daily_flags)"
        )
        return _count(con, f"select count(*) from {SCHEMA}.daily_flags") - before


# --------------------------------------------------------------------------------------
# approval gate


def _has_table(con, schema: str, table: str) -> bool:
    return _count(
        con, "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ) > 0


def _current_user(con, user_id: str) -> dict | None:
    """The user's row in intermediate.int_users, when that table exists."""
    if not _has_table(con, "intermediate", "int_users"):
        return None
    row = con.execute(
        "select user_id, user_name, role, manager_id, slm_id from intermediate.int_users where user_id = ?",
        [user_id],
    ).fetchone()
    return dict(zip(("user_id", "user_name", "role", "manager_id", "slm_id"), row, strict=True)) if row else None


def _event(con, coaching_id: str) -> dict:
    cur = con.execute(f"select * from {SCHEMA}.coaching_log where coaching_id = ?", [coaching_id])
    row = cur.fetchone()
    if row is None:
        raise ApprovalRefused(f"unknown coaching event {coaching_id!r}")
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def _rep_manager(con, rep_id: str, fallback: str | None) -> str | None:
    user = _current_user(con, rep_id)
    return (user or {}).get("manager_id") or fallback


def _decide(con, coaching_id: str, by: str, decision: str, *, action: str | None, note: str | None,
            at: dt.datetime | None) -> dict:
    ensure_schema(con)
    if not by or not by.strip():
        raise ApprovalRefused("a decision needs the deciding manager's id (--by)")
    event = _event(con, coaching_id)
    if event["approval_status"] != PENDING:
        raise ApprovalRefused(
            f"coaching event {coaching_id} was already decided: {event['approval_status']} by "
            f"{event['decided_by'] or 'unknown'} at "
            f"{event['decided_at'].strftime('%Y-%m-%d %H:%M:%S') + ' UTC' if event['decided_at'] else 'an unknown time'}"
        )
    manager = _rep_manager(con, event["rep_id"], event["manager_id"])
    if by != manager:
        raise ApprovalRefused(
            f"{by} is not the manager of rep {event['rep_id']} (manager: {manager or 'unknown'}); "
            f"only the rep's manager can decide on coaching event {coaching_id}"
        )
    at = at or _utc_now()
    approved_action = {"approved": event["recommended_action"], "modified": action, "dismissed": None}[decision]
    with _transaction(con):
        con.execute(
            f"update {SCHEMA}.coaching_log set approval_status = ?, decided_by = ?, decided_at = ?, "
            f"decision_note = ?, approved_action = ? where coaching_id = ? and approval_status = '{PENDING}'",
            [decision, by, at, note, approved_action, coaching_id],
        )
        con.execute(
            f"insert into {SCHEMA}.decisions (coaching_id, rep_id, decision, decided_by, decided_at, action_text, note) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [coaching_id, event["rep_id"], decision, by, at, approved_action, note],
        )
    return _event(con, coaching_id)


def approve(con: duckdb.DuckDBPyConnection, coaching_id: str, by: str, *, at: dt.datetime | None = None) -> dict:
    """The manager approves the recommended action as is: the rep may now see it."""
    return _decide(con, coaching_id, by, "approved", action=None, note=None, at=at)


def modify(con: duckdb.DuckDBPyConnection, coaching_id: str, by: str, action: str, *,
           at: dt.datetime | None = None) -> dict:
    """The manager replaces the recommended action with their own text, which the rep sees."""
    if not action or not action.strip():
        raise ApprovalRefused("a modified action needs its new text (--action)")
    return _decide(con, coaching_id, by, "modified", action=action.strip(), note=None, at=at)


def dismiss(con: duckdb.DuckDBPyConnection, coaching_id: str, by: str, note: str | None = None, *,
            at: dt.datetime | None = None) -> dict:
    """The manager dismisses the event: kept in the log, never shown to the rep. Escalation
    rules still apply to it."""
    return _decide(con, coaching_id, by, "dismissed", action=None, note=(note or None), at=at)


def list_pending(con: duckdb.DuckDBPyConnection, manager_id: str | None = None, *,
                 include_resolved: bool = False) -> pl.DataFrame:
    """Events waiting for a manager's decision (all managers, or one)."""
    ensure_schema(con)
    name = "coalesce(e.rep_name, e.rep_id)"
    join = ""
    if _has_table(con, "intermediate", "int_users"):
        name = "coalesce(e.rep_name, u.user_name, e.rep_id)"
        join = "left join intermediate.int_users u on u.user_id = e.rep_id"
    where = [f"e.approval_status = '{PENDING}'"]
    params: list = []
    if not include_resolved:
        where.append("e.status = 'open'")
    if manager_id:
        where.append("e.manager_id = ?")
        params.append(manager_id)
    return con.execute(
        f"""select e.coaching_id, e.rep_id, {name} as rep_name, e.role, e.manager_id, e.pattern_key,
                   e.pattern_detected, e.recommended_action, e.opened_on, e.last_assessed_on,
                   e.weeks_flagged, e.escalated_to_slm, e.status
            from {SCHEMA}.coaching_log e {join}
            where {' and '.join(where)}
            order by e.manager_id, e.rep_id, e.opened_on, e.pattern_key, e.coaching_id""",
        params,
    ).pl()


def escalate_manually(con: duckdb.DuckDBPyConnection, rep_id: str, by: str, note: str, *,
                      at: dt.datetime | None = None) -> dict:
    """A manager's on-demand escalation of one of their reps to the SLM, with a note."""
    ensure_schema(con)
    if not note or not note.strip():
        raise ApprovalRefused("an escalation needs a note (--note) saying why")
    if not by or not by.strip():
        raise ApprovalRefused("an escalation needs the escalating manager's id (--by)")
    user = _current_user(con, rep_id) or {}
    logged = con.execute(
        f"select role, manager_id from {SCHEMA}.skill_assessment_log where rep_id = ? "
        "order by assessment_date desc limit 1",
        [rep_id],
    ).fetchone()
    event = con.execute(
        f"select role, manager_id, slm_id from {SCHEMA}.coaching_log where rep_id = ? "
        "order by last_assessed_on desc nulls last, coaching_id limit 1",
        [rep_id],
    ).fetchone()
    if not user and not logged and not event:
        raise ApprovalRefused(f"unknown rep {rep_id!r}")
    role = user.get("role") or (logged or event)[0]
    manager = user.get("manager_id") or (logged[1] if logged else None) or (event[1] if event else None)
    slm = user.get("slm_id") or (event[2] if event else None)
    if by != manager:
        raise ApprovalRefused(
            f"{by} is not the manager of rep {rep_id} (manager: {manager or 'unknown'}); "
            "only the rep's manager can escalate them"
        )
    at = at or _utc_now()
    check_dates(f"write a manual escalation of {rep_id} dated", [at.date()])
    weeks = con.execute(
        f"select assessment_date, score, level, cohort_percentile from {SCHEMA}.skill_assessment_log "
        "where rep_id = ? and skill = 'overall' order by assessment_date desc limit 12",
        [rep_id],
    ).fetchall()
    history = json.dumps([
        {"assessment_date": d.isoformat(), "overall_score": s, "level": lv, "cohort_percentile": p}
        for d, s, lv, p in reversed(weeks)
    ])
    eid = short_hash("E", "manual", rep_id, by, at.isoformat())
    row = without_slm_to_manager({
        "escalation_id": eid, "rep_id": rep_id, "role": role, "rule": "manual", "pattern_key": "manual",
        "coaching_id": None, "escalated_to": "slm", "manager_id": manager, "slm_id": slm,
        "escalation_date": at.date(), "reason": note.strip(), "history": history,
        "escalated_by": by, "escalated_at": at,
    })
    with _transaction(con):
        con.execute(
            f"insert into {SCHEMA}.escalations ({', '.join(row)}) values ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        con.execute(
            f"insert into {SCHEMA}.decisions (coaching_id, rep_id, decision, decided_by, decided_at, action_text, note) "
            "values (null, ?, 'escalated', ?, ?, null, ?)",
            [rep_id, by, at, note.strip()],
        )
    return row
