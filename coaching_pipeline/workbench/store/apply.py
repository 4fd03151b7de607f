"""Applying the decisions store to the warehouse at the start of each run, each row exactly once.

How exactly-once holds: in ONE warehouse transaction, every store row not applied yet (a
decision in force, neither undone nor superseded; an escalation request) is written to
coaching_log / escalations (and the coaching.decisions audit) together with its row in
coaching.applied_decisions (store_uuid, store_kind, store_id). Rows already listed there are
skipped. Only after that commit does the store mark them applied (applied_at), from what
applied_decisions lists; a crash between the two commits leaves the store unmarked, and the
next apply skips them in the warehouse and marks them. The store's uuid keeps a new store
(ids restarting at 1) apart from an old one.

A decision that supersedes an applied one re-decides its event (approvals.record_decision,
which skips the pending check the direct CLI path keeps). The action outcomes are copied whole
into coaching.action_outcomes so the coaching step can read them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
from sqlalchemy import select

from ...coaching.approvals import ApprovalRefused, record_decision, write_escalation
from ...coaching.schema import SCHEMA, ensure_schema
from ...coaching.state_dates import FutureStateDate
from ...db import transaction, utc_now
from .audit import as_json, audit
from .engine import Store
from .models import ActionOutcome, Decision, EscalationRequest

ACTOR = "coaching run"
KINDS = {"decision": Decision, "escalation_request": EscalationRequest}


@dataclass
class ApplySummary:
    decisions: int = 0  # written to coaching_log
    escalations: int = 0  # written to coaching.escalations
    skipped: list[str] = field(default_factory=list)  # not applicable, with why (recorded, never retried)
    outcomes_copied: int = 0
    marked: int = 0  # store rows marked applied (this apply's and any a crash left unmarked)

    def line(self) -> str:
        return (f"applied {self.decisions} decision(s) and {self.escalations} escalation request(s) from the "
                f"decisions store; {len(self.skipped)} skipped; {self.outcomes_copied} action outcome(s) copied")


def _already(con, uuid: str) -> set[tuple[str, int]]:
    return set(con.execute(f"select store_kind, store_id from {SCHEMA}.applied_decisions where store_uuid = ?",
                           [uuid]).fetchall())


def write_to_warehouse(store: Store, con: duckdb.DuckDBPyConnection, *, now: dt.datetime | None = None) -> ApplySummary:
    """The warehouse half: one transaction, committed on return. Does not mark the store."""
    now = now or utc_now()
    ensure_schema(con)
    uuid = store.uuid()
    with store.sessions() as session:
        decisions = session.scalars(select(Decision).where(
            Decision.applied_at.is_(None), Decision.undone_at.is_(None), Decision.superseded_by.is_(None)
        ).order_by(Decision.id)).all()
        requests = session.scalars(select(EscalationRequest).where(EscalationRequest.applied_at.is_(None))
                                   .order_by(EscalationRequest.id)).all()
        outcomes = session.scalars(select(ActionOutcome).order_by(ActionOutcome.id)).all()
    summary = ApplySummary()
    with transaction(con, join=False):
        done = _already(con, uuid)
        for row in decisions:
            if ("decision", row.id) in done:
                continue
            known = con.execute(f"select 1 from {SCHEMA}.coaching_log where coaching_id = ?",
                                [row.coaching_id]).fetchone()
            if known:
                record_decision(con, row.coaching_id, row.rep_id, row.decision, row.decided_by, row.decided_at,
                                row.action_text, row.note)
                result, detail = "applied", None
                summary.decisions += 1
            else:
                result, detail = "unknown_event", f"coaching event {row.coaching_id} is not in coaching_log"
                summary.skipped.append(f"decision {row.id}: {detail}")
            _record(con, uuid, "decision", row.id, now, result, detail)
        for row in requests:
            if ("escalation_request", row.id) in done:
                continue
            try:
                write_escalation(con, row.rep_id, row.requested_by, row.note, at=row.requested_at)
                result, detail = "applied", None
                summary.escalations += 1
            except (ApprovalRefused, FutureStateDate) as refused:
                result, detail = "refused", str(refused)
                summary.skipped.append(f"escalation request {row.id}: {detail}")
            _record(con, uuid, "escalation_request", row.id, now, result, detail)
        con.execute(f"delete from {SCHEMA}.action_outcomes")
        if outcomes:
            con.executemany(
                f"insert into {SCHEMA}.action_outcomes values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(o.id, o.opportunity_id, o.rep_id, o.outcome, o.deferred_until, o.reason, o.decided_by,
                  o.decided_at, o.undone_at, now) for o in outcomes],
            )
        summary.outcomes_copied = len(outcomes)
    return summary


def _record(con, uuid, kind, store_id, now, result, detail) -> None:
    con.execute(f"insert into {SCHEMA}.applied_decisions values (?, ?, ?, ?, ?, ?)",
                [uuid, kind, store_id, now, result, detail])


def mark_applied(store: Store, con: duckdb.DuckDBPyConnection) -> int:
    """The store half: mark applied every row the warehouse lists as applied and the store does
    not (this apply's, or one a crash left unmarked). Returns how many it marked."""
    uuid = store.uuid()
    listed = con.execute(f"select store_kind, store_id, applied_at, result from {SCHEMA}.applied_decisions "
                         "where store_uuid = ?", [uuid]).fetchall()
    marked = 0
    with store.sessions.begin() as session:
        for kind, store_id, applied_at, result in listed:
            row = session.get(KINDS[kind], store_id)
            if row is None or row.applied_at is not None:
                continue
            before = as_json(row)
            row.applied_at = applied_at
            audit(session, ACTOR, f"apply_{kind}", getattr(row, "coaching_id", None) or row.rep_id,
                  before=before, after=as_json(row), detail=result)
            marked += 1
    return marked


def apply_pending(store: Store, con: duckdb.DuckDBPyConnection, *, now: dt.datetime | None = None) -> ApplySummary:
    """Apply everything new in the store to the warehouse, then mark it applied in the store."""
    summary = write_to_warehouse(store, con, now=now)
    summary.marked = mark_applied(store, con)
    return summary
