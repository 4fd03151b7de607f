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
Every change and every refusal is in the audit log; a refusal changes nothing else.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ...coaching.approvals import ApprovalRefused
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
    action_text = {"approved": event.get("recommended_action"), "modified": (action or "").strip(),
                   "dismissed": None}[decision]
    row = Decision(coaching_id=coaching_id, rep_id=event["rep_id"], decision=decision, action_text=action_text,
                   note=(note or "").strip() or None, decided_by=by, decided_at=at)
    return event, row


def decide(store: Store, facts: Facts, coaching_id: str, by: str, decision: str, *, action: str | None = None,
           note: str | None = None, at: dt.datetime | None = None) -> Decision:
    """Record approved / modified / dismissed on a coaching event; see the module docstring."""
    at = at or utc_now()
    event, row = _new_row(store, facts, coaching_id, by, decision, action, note, at, "decide")
    with store.sessions.begin() as session:
        current = live_decision(session, coaching_id)
        if current is not None and current.applied_at is None:
            message = (f"coaching event {coaching_id} was already decided: {current.decision} by "
                       f"{current.decided_by} at {_when(current.decided_at)} (not applied yet: undo or change "
                       f"that decision, {current.id}, instead)")
        elif current is not None:
            same = (current.decision, current.action_text) == (row.decision, row.action_text)
            message = (f"coaching event {coaching_id} was already decided: {current.decision} by "
                       f"{current.decided_by} at {_when(current.decided_at)}") if same else None
        elif event["approval_status"] != "pending_approval":
            same = (event["approval_status"], event.get("approved_action")) == (row.decision, row.action_text)
            message = (f"coaching event {coaching_id} was already decided: {event['approval_status']} by "
                       f"{event.get('decided_by') or 'unknown'} at {_when(event.get('decided_at'))}") if same else None
        else:
            message = None
        if message is None:
            session.add(row)
            session.flush()
            if current is not None:  # an applied decision: the new one supersedes it
                before = as_json(current)
                current.superseded_by = row.id
                audit(session, by, "supersede_decision", coaching_id, before=before, after=as_json(current), at=at)
            audit(session, by, "decide", coaching_id, after=as_json(row), at=at)
            return row
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
        row.undone_at = at
        audit(session, by, "undo_decision", row.coaching_id, before=before, after=as_json(row), at=at)
        return row


def change_decision(store: Store, facts: Facts, decision_id: int, by: str, decision: str, *,
                    action: str | None = None, note: str | None = None, at: dt.datetime | None = None) -> Decision:
    """Replace a decision not applied yet by another one (the old row stays, superseded)."""
    at = at or utc_now()
    with store.sessions() as session:
        old = _unapplied(store, session, decision_id, by, "change_decision")
    _, row = _new_row(store, facts, old.coaching_id, by, decision, action, note, at, "change_decision")
    with store.sessions.begin() as session:
        old = _unapplied(store, session, decision_id, by, "change_decision")
        session.add(row)
        session.flush()
        before = as_json(old)
        old.superseded_by = row.id
        audit(session, by, "change_decision", old.coaching_id, before=before, after=as_json(row), at=at,
              detail=f"decision {old.id} replaced by {row.id}")
        return row


def decision_history(store: Store, coaching_id: str) -> list[Decision]:
    with store.sessions() as session:
        return list(session.scalars(select(Decision).where(Decision.coaching_id == coaching_id)
                                    .order_by(Decision.id)).all())


__all__ = ["ApprovalRefused", "change_decision", "decide", "decision_history", "live_decision",
           "unapplied_decisions", "undo_decision"]
