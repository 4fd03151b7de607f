"""The other things the workbench writes to the decisions store, each checked against the
published facts (facts.py) and audited like a decision: a manager's on-demand escalation
request (applied to coaching.escalations by the coaching step, like
approvals.escalate_manually) and an SLM resolving it; coaching notes; the done / deferred
outcomes of next best actions (a deferred action is hidden until its date)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ...db import utc_now
from .audit import as_json, audit, refuse
from .engine import Store
from .facts import Facts
from .models import OUTCOMES, ActionOutcome, EscalationRequest, Note


def _check_lead(store: Store, facts: Facts, by: str, action: str, rep_id: str, only: str) -> None:
    """Refuse (audited) unless `by` leads the rep: their manager or the SLM above them."""
    rep = facts.rep(rep_id)
    if rep is None:
        refuse(store, by, action, rep_id, f"unknown rep {rep_id!r}")
    if by not in rep.deciders():
        refuse(store, by, action, rep_id,
               f"{by} is not the manager of rep {rep_id} (manager: {rep.manager_id or 'unknown'}); {only}")


def _insert_audited(store: Store, row, actor: str, action: str, target: str, at: dt.datetime):
    """Add `row` and its audit entry in one transaction (flushed first, so the entry has its id)."""
    with store.sessions.begin() as session:
        session.add(row)
        session.flush()
        audit(session, actor, action, target, after=as_json(row), at=at)
        return row


def request_escalation(store: Store, facts: Facts, rep_id: str, by: str, note: str, *,
                       at: dt.datetime | None = None) -> EscalationRequest:
    """A manager's (or their SLM's) escalation of a rep to the SLM, with a note."""
    at = at or utc_now()
    if not note or not note.strip():
        refuse(store, by, "escalate", rep_id, "an escalation needs a note (--note) saying why")
    if not by or not by.strip():
        refuse(store, by, "escalate", rep_id, "an escalation needs the escalating manager's id (--by)")
    _check_lead(store, facts, by, "escalate", rep_id, "only the rep's manager can escalate them")
    row = EscalationRequest(rep_id=rep_id, requested_by=by, note=note.strip(), requested_at=at)
    return _insert_audited(store, row, by, "escalate", rep_id, at)


def resolve_escalation(store: Store, facts: Facts, request_id: int, by: str, note: str, *,
                       at: dt.datetime | None = None) -> EscalationRequest:
    """The SLM (the manager, for a rep without an SLM) closes an escalation with a note."""
    at = at or utc_now()
    target = f"escalation_request:{request_id}"
    if not note or not note.strip():
        refuse(store, by, "resolve_escalation", target, "resolving an escalation needs a note saying how")
    with store.sessions() as session:
        row = session.get(EscalationRequest, request_id)
    if row is None:
        refuse(store, by, "resolve_escalation", target, f"unknown escalation request {request_id}")
    if row.resolved_at is not None:
        refuse(store, by, "resolve_escalation", target,
               f"escalation request {request_id} was already resolved by {row.resolved_by}")
    rep = facts.rep(row.rep_id)
    resolver = rep and (rep.slm_id or rep.manager_id)
    if by != resolver:
        refuse(store, by, "resolve_escalation", target,
               f"{by} is not the second-line manager of rep {row.rep_id} ({resolver or 'unknown'}); only they "
               "can resolve the escalation")
    with store.sessions.begin() as session:
        row = session.get(EscalationRequest, request_id)
        before = as_json(row)
        row.resolved_by, row.resolved_at, row.resolution_note = by, at, note.strip()
        audit(session, by, "resolve_escalation", target, before=before, after=as_json(row), at=at)
        return row


def add_note(store: Store, facts: Facts, rep_id: str, author: str, text: str, *,
             at: dt.datetime | None = None) -> Note:
    """A coaching note on a rep by their manager or SLM."""
    at = at or utc_now()
    if not text or not text.strip():
        refuse(store, author, "add_note", rep_id, "a note needs its text")
    _check_lead(store, facts, author, "add_note", rep_id,
                "only the rep's manager or their second-line manager can write notes on them")
    row = Note(rep_id=rep_id, author=author, text=text.strip(), created_at=at)
    return _insert_audited(store, row, author, "add_note", rep_id, at)


def notes(store: Store, rep_id: str) -> list[Note]:
    with store.sessions() as session:
        return list(session.scalars(select(Note).where(Note.rep_id == rep_id).order_by(Note.id)).all())


def _live_outcome(session, opportunity_id: str) -> ActionOutcome | None:
    return session.scalars(select(ActionOutcome).where(ActionOutcome.opportunity_id == opportunity_id,
                                                       ActionOutcome.undone_at.is_(None))
                           .order_by(ActionOutcome.id.desc())).first()


def record_outcome(store: Store, facts: Facts, opportunity_id: str, by: str, outcome: str, *, today: dt.date,
                   deferred_until: dt.date | None = None, reason: str | None = None,
                   at: dt.datetime | None = None) -> ActionOutcome:
    """The rep marks their next best action on a deal done, or deferred until a later date. A
    new outcome for the same deal replaces the one in force (its undone_at is set)."""
    at = at or utc_now()
    if outcome not in OUTCOMES:
        refuse(store, by, "action_outcome", opportunity_id, f"an action is marked done or deferred, not {outcome!r}")
    owner = facts.action_owner(opportunity_id)
    if owner is None:
        refuse(store, by, "action_outcome", opportunity_id,
               f"unknown next best action for opportunity {opportunity_id!r}")
    if by != owner:
        refuse(store, by, "action_outcome", opportunity_id,
               f"{by} is not the rep of the next best action on {opportunity_id}; only that rep can mark it "
               "done or deferred")
    if outcome == "deferred" and (deferred_until is None or deferred_until <= today):
        refuse(store, by, "action_outcome", opportunity_id,
               f"a deferred action needs a date after today ({today.isoformat()}) to come back on")
    with store.sessions.begin() as session:
        previous = _live_outcome(session, opportunity_id)
        before = as_json(previous)
        if previous is not None:
            previous.undone_at = at
        row = ActionOutcome(opportunity_id=opportunity_id, rep_id=owner, outcome=outcome,
                            deferred_until=deferred_until if outcome == "deferred" else None,
                            reason=(reason or "").strip() or None, decided_by=by, decided_at=at)
        session.add(row)
        session.flush()
        audit(session, by, "action_outcome", opportunity_id, before=before, after=as_json(row), at=at)
        return row


def undo_outcome(store: Store, outcome_id: int, by: str, *, at: dt.datetime | None = None) -> ActionOutcome:
    """The rep withdraws an outcome: the action shows again."""
    at = at or utc_now()
    with store.sessions() as session:
        row = session.get(ActionOutcome, outcome_id)
    target = row.opportunity_id if row else f"action_outcome:{outcome_id}"
    if row is None or row.undone_at is not None:
        refuse(store, by, "undo_action_outcome", target, f"no outcome {outcome_id} in force to undo")
    if by != row.decided_by:
        refuse(store, by, "undo_action_outcome", target,
               f"{by} did not mark the action on {row.opportunity_id}; only {row.decided_by} can undo it")
    with store.sessions.begin() as session:
        row = session.get(ActionOutcome, outcome_id)
        before = as_json(row)
        row.undone_at = at
        audit(session, by, "undo_action_outcome", target, before=before, after=as_json(row), at=at)
        return row


def hidden_actions(store: Store, rep_id: str, today: dt.date) -> set[str]:
    """Opportunity ids of the rep's next best actions not to show today: done, or deferred to a
    date after today (on that date the action shows again)."""
    with store.sessions() as session:
        rows = session.scalars(select(ActionOutcome).where(ActionOutcome.rep_id == rep_id,
                                                           ActionOutcome.undone_at.is_(None))).all()
    return {r.opportunity_id for r in rows
            if r.outcome == "done" or (r.deferred_until is not None and r.deferred_until > today)}
