"""The manager approval gate of the coaching log (coaching contract, "Coaching log, approvals
and escalations"): a coaching event waits as pending_approval until the rep's manager
approves, modifies or dismisses it (audited in coaching.decisions), and a manager may
escalate one of their reps by hand. Each call checks who decides and on what, and refuses
(ApprovalRefused) changing nothing.

Decisions where the design is silent:
- The manager allowed to decide on an event is the rep's current manager in
  intermediate.int_users when that table exists and names one, else the event's manager_id.
- list_pending shows pending events that are still open (include_resolved=True adds pending
  events whose pattern has cleared).
- The audit table names its columns decided_by / decided_at (BY and AT are SQL keywords); a
  manual escalation is audited there too (decision 'escalated', coaching_id null).
- Decisions and manual escalations carry the wall-clock UTC time they were made (naive
  TIMESTAMP columns holding UTC); a manual escalation is refused for a date after today
  (state_dates.py).
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import polars as pl

from ..config import settings
from ..db import table_columns, table_exists, transaction, utc_now
from .ids import short_hash
from .rules import without_slm_to_manager
from .schema import PENDING, SCHEMA, ensure_schema
from .signal import queued_refusal
from .state_dates import check_dates


class ApprovalRefused(Exception):
    """A decision or escalation the gate refuses; nothing was changed."""


def _current_user(con, user_id: str) -> dict | None:
    """The user's row in intermediate.int_users, when that table exists."""
    if not table_exists(con, "intermediate", "int_users"):
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
    queued = queued_refusal(event, settings().coaching)
    if queued:
        raise ApprovalRefused(queued)
    manager = _rep_manager(con, event["rep_id"], event["manager_id"])
    if by != manager:
        raise ApprovalRefused(
            f"{by} is not the manager of rep {event['rep_id']} (manager: {manager or 'unknown'}); "
            f"only the rep's manager can decide on coaching event {coaching_id}"
        )
    at = at or utc_now()
    approved_action = {"approved": event["recommended_action"], "modified": action, "dismissed": None}[decision]
    with transaction(con):
        record_decision(con, coaching_id, event["rep_id"], decision, by, at, approved_action, note)
    return _event(con, coaching_id)


def record_decision(con: duckdb.DuckDBPyConnection, coaching_id: str, rep_id: str, decision: str, by: str,
                    at: dt.datetime, action_text: str | None, note: str | None) -> None:
    """Write a decision already checked into coaching_log and its audit (coaching.decisions),
    whatever the event's status: the checks are the caller's (_decide refuses a decided event;
    the decisions store lets a later decision supersede an applied one, workbench/store/apply.py).
    Runs in the caller's transaction when there is one."""
    con.execute(
        f"update {SCHEMA}.coaching_log set approval_status = ?, decided_by = ?, decided_at = ?, "
        "decision_note = ?, approved_action = ? where coaching_id = ?",
        [decision, by, at, note, action_text, coaching_id],
    )
    con.execute(
        f"insert into {SCHEMA}.decisions (coaching_id, rep_id, decision, decided_by, decided_at, action_text, note) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        [coaching_id, rep_id, decision, by, at, action_text, note],
    )


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


def count_queued(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """manager_id -> open events queued for a free focus-area slot (signal.py)."""
    if "queued" not in table_columns(con, SCHEMA, "coaching_log"):
        return {}
    return dict(con.execute(f"select manager_id, count(*) from {SCHEMA}.coaching_log where status = 'open' "
                            "and queued group by all").fetchall())


def list_pending(con: duckdb.DuckDBPyConnection, manager_id: str | None = None, *,
                 include_resolved: bool = False, ensure: bool = True) -> pl.DataFrame:
    """Events waiting for a manager's decision (all managers, or one), queued ones left out
    (signal.py: they wait for a free focus-area slot). ensure=False reads a file as it is
    (the published copy, read-only, which has no store tables)."""
    if ensure:
        ensure_schema(con)
    name = "coalesce(e.rep_name, e.rep_id)"
    join = ""
    if table_exists(con, "intermediate", "int_users"):
        name = "coalesce(e.rep_name, u.user_name, e.rep_id)"
        join = "left join intermediate.int_users u on u.user_id = e.rep_id"
    where = [f"e.approval_status = '{PENDING}'"]
    have = table_columns(con, SCHEMA, "coaching_log")
    if "queued" in have:
        where.append("not coalesce(e.queued, false)")  # a file from before the budget has none queued
    evidence = ", ".join(f"e.{c}" if c in have else f"null as {c}"
                         for c in ("sample_size", "benchmark_value", "example_calls", "example_deals"))
    params: list = []
    if not include_resolved:
        where.append("e.status = 'open'")
    if manager_id:
        where.append("e.manager_id = ?")
        params.append(manager_id)
    return con.execute(
        f"""select e.coaching_id, e.rep_id, {name} as rep_name, e.role, e.manager_id, e.pattern_key,
                   e.pattern_detected, e.recommended_action, e.opened_on, e.last_assessed_on,
                   e.weeks_flagged, e.escalated_to_slm, e.status, {evidence},
                   (select h.metric_value from {SCHEMA}.coaching_history h where h.coaching_id = e.coaching_id
                      and h.assessment_date = e.last_assessed_on) as latest_score
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
    role, manager, slm = _escalation_target(con, rep_id)
    if by != manager:
        raise ApprovalRefused(
            f"{by} is not the manager of rep {rep_id} (manager: {manager or 'unknown'}); "
            "only the rep's manager can escalate them"
        )
    return write_escalation(con, rep_id, by, note, at=at, target=(role, manager, slm))


def _escalation_target(con, rep_id: str) -> tuple[str | None, str | None, str | None]:
    """(role, manager_id, slm_id) of the rep, from int_users, else their latest assessment and event."""
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
    return role, manager, slm


def write_escalation(con: duckdb.DuckDBPyConnection, rep_id: str, by: str, note: str, *,
                     at: dt.datetime | None = None, target: tuple | None = None) -> dict:
    """Write a manual escalation already checked (who may escalate is the caller's check:
    escalate_manually here, the decisions store for a request made in the workbench) into
    coaching.escalations and its audit. Runs in the caller's transaction when there is one."""
    role, manager, slm = target or _escalation_target(con, rep_id)
    at = at or utc_now()
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
    with transaction(con):
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
