"""Managers' decisions on coaching events, in the decisions store: the same checks as the
warehouse gate (coaching/approvals.py), against the facts of the published file (facts.py).

Life of a decision (workbench contract, "Running it"):
- decide: the event must exist; the decider must be the rep's current manager or the SLM
  above them. A pending event gets its decision. An event already decided, whose decision
  was applied to coaching_log (or was made before the store existed), gets a new decision
  that supersedes the old one (the old row's superseded_by names the new one; both stay).
- Until the coaching step has applied it, a decision may be undone (undone_at: the event is
  pending again) or changed (a new row supersedes it; the old one is never applied). Deciding
  again on an event whose decision is not applied yet is refused: change or undo it instead.
- A decision identical to the one in force is refused (it would change nothing).
- Two deciders at the same moment (a manager and their SLM on one event): both may pass the
  checks, but only one decision per event can hold live_key (unique, migration 0003), so the
  second write fails and is refused with the first one's "already decided by ..." (raced),
  never silently superseding it. bulk.py records several decisions in one transaction.
Every change and every refusal is in the audit log; a refusal changes nothing else.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...coaching.approvals import ApprovalRefused
from ...coaching.signal import queued_refusal
from ...config import settings
from ...db import utc_now
from .audit import as_json, audit, refuse
from .engine import Store
from .facts import Facts
from .models import DECISIONS, Decision


def _when(at: dt.datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") + " UTC" if at else "an unknown time"


def live_decision(session, coaching_id: str) -> Decision | None:
    """The event's decision in force in the store: neither undone nor superseded."""
    return session.scalars(
        select(Decision).where(Decision.coaching_id == coaching_id, Decision.undone_at.is_(None),
                               Decision.superseded_by.is_(None)).order_by(Decision.id.desc())
    ).first()


def unapplied_decisions(store: Store) -> dict[str, Decision]:
    """coaching_id -> its decision in force not applied yet (shown as "takes effect in tonight's run")."""
    with store.sessions() as session:
        rows = session.scalars(
            select(Decision).where(Decision.undone_at.is_(None), Decision.superseded_by.is_(None),
                                   Decision.applied_at.is_(None)).order_by(Decision.id)
        ).all()
    return {row.coaching_id: row for row in rows}


def _check_decider(store: Store, facts: Facts, by: str, event: dict, action: str) -> None:
    rep = facts.rep(event["rep_id"])
    manager = (rep.manager_id if rep else None) or event.get("manager_id")
    slm = (rep.slm_id if rep else None) or event.get("slm_id")
    if by not in {u for u in (manager, slm) if u}:
        refuse(store, by, action, event["coaching_id"],
               f"{by} is not the manager of rep {event['rep_id']} (manager: {manager or 'unknown'}); only the "
               f"rep's manager or their second-line manager can decide on coaching event {event['coaching_id']}")


def _new_row(store, facts, coaching_id, by, decision, action, note, at, audit_action) -> tuple[dict, Decision]:
    """The checks every new decision goes through, then the row it would add (not added yet)."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
    if not by or not by.strip():
        refuse(store, by, audit_action, coaching_id, "a decision needs the deciding manager's id (--by)")
    if decision == "modified" and (not action or not action.strip()):
        refuse(store, by, audit_action, coaching_id, "a modified action needs its new text (--action)")
    event = facts.event(coaching_id)
    if event is None:
        refuse(store, by, audit_action, coaching_id, f"unknown coaching event {coaching_id!r}")
    _check_decider(store, facts, by, event, audit_action)
    queued = queued_refusal(event, settings().coaching)
    if queued:
        refuse(store, by, audit_action, coaching_id, queued)
    action_text = {"approved": event.get("recommended_action"), "modified": (action or "").strip(),
                   "dismissed": None}[decision]
    row = Decision(coaching_id=coaching_id, rep_id=event["rep_id"], decision=decision, action_text=action_text,
                   note=(note or "").strip() or None, decided_by=by, decided_at=at)
    return event, row


def already_decided(event: dict, current: Decision | None, row: Decision) -> str | None:
    """The sentence refusing `row` on `event` given the decision in force, or None when it may
    be recorded (shared with bulk.py, which checks several events in one transaction)."""
    coaching_id = row.coaching_id
    if current is not None and current.applied_at is None:
        return (f"coaching event {coaching_id} was already decided: {current.decision} by "
                f"{current.decided_by} at {_when(current.decided_at)} (not applied yet: undo or change "
                f"that decision, {current.id}, instead)")
    if current is not None:
        same = (current.decision, current.action_text) == (row.decision, row.action_text)
        return (f"coaching event {coaching_id} was already decided: {current.decision} by "
                f"{current.decided_by} at {_when(current.decided_at)}") if same else None
    if event["approval_status"] != "pending_approval":
        same = (event["approval_status"], event.get("approved_action")) == (row.decision, row.action_text)
        return (f"coaching event {coaching_id} was already decided: {event['approval_status']} by "
                f"{event.get('decided_by') or 'unknown'} at {_when(event.get('decided_at'))}") if same else None
    return None


def put_in_force(session, row: Decision, current: Decision | None, by: str, at: dt.datetime,
                 detail: str | None = None) -> Decision:
    """Add `row` as the event's decision in force, superseding `current` (an applied decision)
    if any, with their audit entries. The old row gives up live_key before the new one takes
    it: the unique live_key lets only one decision per event be in force, so a second decider
    racing on the same event fails at the flush (IntegrityError) instead of superseding."""
    if current is not None:
        before = as_json(current)
        current.live_key = None
        session.flush()
    row.live_key = row.coaching_id
    session.add(row)
    session.flush()
    if current is not None:
        current.superseded_by = row.id
        audit(session, by, "supersede_decision", row.coaching_id, before=before, after=as_json(current), at=at)
    audit(session, by, "decide", row.coaching_id, after=as_json(row), at=at, detail=detail)
    return row


def raced(store: Store, coaching_id: str) -> str:
    """The refusal of a decision that lost a race: another one was put in force on the event
    between our check and our write (read again, now that it is committed)."""
    with store.sessions() as session:
        current = live_decision(session, coaching_id)
    if current is None:
        return (f"coaching event {coaching_id} was decided by someone else at the same moment (and undone "
                "since): reload it and decide again")
    return (f"coaching event {coaching_id} was already decided: {current.decision} by {current.decided_by} at "
            f"{_when(current.decided_at)}, at the same moment as this decision (undo or change that decision, "
            f"{current.id}, instead)")


def decide(store: Store, facts: Facts, coaching_id: str, by: str, decision: str, *, action: str | None = None,
           note: str | None = None, at: dt.datetime | None = None) -> Decision:
    """Record approved / modified / dismissed on a coaching event; see the module docstring."""
    at = at or utc_now()
    event, row = _new_row(store, facts, coaching_id, by, decision, action, note, at, "decide")
    try:
        with store.sessions.begin() as session:
            current = live_decision(session, coaching_id)
            message = already_decided(event, current, row)
            if message is None:
                return put_in_force(session, row, current, by, at)
    except IntegrityError:  # another decider put theirs in force since our check
        message = raced(store, coaching_id)
    refuse(store, by, "decide", coaching_id, message)


def _unapplied(store: Store, session, decision_id: int, by: str, action: str) -> Decision:
    row = session.get(Decision, decision_id)
    target = row.coaching_id if row else str(decision_id)
    if row is None:
        message = f"unknown decision {decision_id}"
    elif row.undone_at is not None:
        message = f"decision {decision_id} on coaching event {row.coaching_id} was undone at {_when(row.undone_at)}"
    elif row.superseded_by is not None:
        message = (f"decision {decision_id} on coaching event {row.coaching_id} was replaced by decision "
                   f"{row.superseded_by}")
    elif row.applied_at is not None:
        message = (f"decision {decision_id} on coaching event {row.coaching_id} was applied to the coaching log "
                   f"at {_when(row.applied_at)}: decide again to supersede it")
    else:
        return row
    refuse(store, by, action, target, message)


def undo_decision(store: Store, facts: Facts, decision_id: int, by: str, *, at: dt.datetime | None = None) -> Decision:
    """Withdraw a decision not applied yet: the event is pending again (or back to the decision
    in force before it)."""
    at = at or utc_now()
    with store.sessions() as session:
        row = _unapplied(store, session, decision_id, by, "undo_decision")
        event = facts.event(row.coaching_id) or {"coaching_id": row.coaching_id, "rep_id": row.rep_id}
    _check_decider(store, facts, by, event, "undo_decision")
    with store.sessions.begin() as session:
        row = _unapplied(store, session, decision_id, by, "undo_decision")
        before = as_json(row)
        row.undone_at, row.live_key = at, None
        audit(session, by, "undo_decision", row.coaching_id, before=before, after=as_json(row), at=at)
        return row


def change_decision(store: Store, facts: Facts, decision_id: int, by: str, decision: str, *,
                    action: str | None = None, note: str | None = None, at: dt.datetime | None = None) -> Decision:
    """Replace a decision not applied yet by another one (the old row stays, superseded)."""
    at = at or utc_now()
    with store.sessions() as session:
        old = _unapplied(store, session, decision_id, by, "change_decision")
    _, row = _new_row(store, facts, old.coaching_id, by, decision, action, note, at, "change_decision")
    try:
        with store.sessions.begin() as session:
            old = _unapplied(store, session, decision_id, by, "change_decision")
            before = as_json(old)
            old.live_key = None  # gives up its place first (see put_in_force)
            session.flush()
            row.live_key = row.coaching_id
            session.add(row)
            session.flush()
            old.superseded_by = row.id
            audit(session, by, "change_decision", old.coaching_id, before=before, after=as_json(row), at=at,
                  detail=f"decision {old.id} replaced by {row.id}")
            return row
    except IntegrityError:  # another decision was put in force on the event since our check
        message = raced(store, row.coaching_id)
    refuse(store, by, "change_decision", row.coaching_id, message)


def decision_history(store: Store, coaching_id: str) -> list[Decision]:
    with store.sessions() as session:
        return list(session.scalars(select(Decision).where(Decision.coaching_id == coaching_id)
                                    .order_by(Decision.id)).all())


__all__ = ["ApprovalRefused", "already_decided", "change_decision", "decide", "decision_history", "live_decision",
           "put_in_force", "raced", "unapplied_decisions", "undo_decision"]
