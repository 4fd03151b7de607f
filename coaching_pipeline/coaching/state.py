"""Coaching state in the DuckDB warehouse (schema `coaching`, schema.py): persistence of the
weekly assessments, of the replays derived from them (rules.replay) and of the daily flags.
The manager approval gate is approvals.py.

Everything derived from assessments is deterministic (ids are hashes, no wall clock).

Decisions where the design is silent:
- save_assessments works per week: a week (assessment_date) already in the log is skipped
  whole, so re-assessing it (even with a rep added since) changes nothing.
- apply_replay deletes undecided events the replay no longer produces (with their history);
  a decided event the replay no longer produces (possible after a backfill moved its first
  week) is kept untouched with its decision and history. Automatic escalations the replay no
  longer produces are deleted; manual ones are never touched.
- Nothing is written for a date after the run's as_of or after today (state_dates.py); a
  refused save writes nothing at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import duckdb
import polars as pl

from ..db import transaction
from .rules import DAILY_FLAG_SCHEMA, ESCALATION_SCHEMA, EVENT_SCHEMA, HISTORY_SCHEMA, Replay
from .schema import ASSESSMENT_COLUMNS, PENDING, SCHEMA, ensure_schema
from .signal import PROCESS_GAP_SCHEMA
from .state_dates import check_frame


@contextlib.contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame):
    con.register(name, frame.to_arrow())
    try:
        yield name
    finally:
        con.unregister(name)


def _count(con, sql: str, params=None) -> int:
    return con.execute(sql, params or []).fetchone()[0]


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
    with transaction(con), _registered(con, "_coaching_incoming", frame):
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


def decided_events(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """coaching_id -> approval_status of every event a manager decided (the budget's input)."""
    ensure_schema(con)
    return dict(con.execute(f"select coaching_id, approval_status from {SCHEMA}.coaching_log "
                            f"where approval_status <> '{PENDING}'").fetchall())


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
    gaps = result.process_gaps.select(list(PROCESS_GAP_SCHEMA))
    check_frame("coaching_log", events, ["opened_on", "last_assessed_on", "escalation_date", "resolution_date"],
                today=today)
    check_frame("coaching_history", history, ["assessment_date"], today=today)
    check_frame("escalations", escalations, ["escalation_date"], today=today)
    with (
        transaction(con),
        _registered(con, "_coaching_events", events),
        _registered(con, "_coaching_hist", history),
        _registered(con, "_coaching_esc", escalations),
        _registered(con, "_coaching_gaps", gaps),
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
        con.execute(f"delete from {SCHEMA}.process_gaps")  # derived whole from the assessments
        if not gaps.is_empty():
            con.execute(f"insert into {SCHEMA}.process_gaps ({', '.join(PROCESS_GAP_SCHEMA)}) "
                        f"select {', '.join(PROCESS_GAP_SCHEMA)} from _coaching_gaps")
    return {
        "events": events.height,
        "new_events": new_events,
        "deleted_events": deleted_events,
        "history_rows": history.height,
        "escalations": escalations.height,
        "new_escalations": new_escalations,
        "deleted_escalations": deleted_escalations,
        "process_gaps": gaps.height,
        "queued_events": int(events["queued"].sum() or 0),
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
    with transaction(con), _registered(con, "_coaching_flags", frame):
        before = _count(con, f"select count(*) from {SCHEMA}.daily_flags")
        con.execute(
            f"insert into {SCHEMA}.daily_flags ({', '.join(cols)}) select {', '.join(cols)} "
            f"from _coaching_flags where flag_id not in (select flag_id from {SCHEMA}.daily_flags)"
        )
        return _count(con, f"select count(*) from {SCHEMA}.daily_flags") - before
