"""The manager inbox's reads: the pending recommendations of the published file
(coaching.coaching_log, approval_status 'pending_approval' and status 'open') of the reps a
viewer may decide, joined with what the decisions store already holds for them (a decision
not applied yet shows at once, "takes effect in tonight's run"), and each rep's short history
(decisions and notes of the store). Access is decided by the caller (access.rep_access); the
rep ids passed in are the ones the viewer may decide."""

from __future__ import annotations

from sqlalchemy import select

from .access import Org
from .published import has_table, rows
from .store.models import Decision, EscalationRequest, Note

HISTORY_LIMIT = 8  # entries per rep on the inbox page


def pending_events(cur, rep_ids: list[str]) -> list[dict]:
    """Open pending events of these reps, most persistent first, then the oldest."""
    if not rep_ids or not has_table(cur, "coaching", "coaching_log"):
        return []
    marks = ",".join("?" * len(rep_ids))
    return rows(cur, f"""
        select coaching_id, rep_id, pattern_detected, recommended_action, weeks_flagged, opened_on,
               escalated_to_slm
        from coaching.coaching_log
        where rep_id in ({marks}) and status = 'open' and approval_status = 'pending_approval'
        order by weeks_flagged desc nulls last, opened_on, coaching_id""", rep_ids)


def event_rep(cur, coaching_id: str) -> str | None:
    """The rep of a coaching event of the published file (never the form's word for it)."""
    if not has_table(cur, "coaching", "coaching_log"):
        return None
    row = cur.execute("select rep_id from coaching.coaching_log where coaching_id = ?", [coaching_id]).fetchone()
    return row[0] if row else None


def decision_rep(store, decision_id: int) -> tuple[str, str] | None:
    """(rep_id, coaching_id) of a decision of the store, or None when there is none."""
    with store.sessions() as session:
        row = session.get(Decision, decision_id)
    return (row.rep_id, row.coaching_id) if row else None


def _unapplied_of(store, coaching_ids: list[str]) -> dict[str, Decision]:
    if not coaching_ids:
        return {}
    with store.sessions() as session:
        found = session.scalars(select(Decision).where(
            Decision.coaching_id.in_(coaching_ids), Decision.undone_at.is_(None),
            Decision.superseded_by.is_(None), Decision.applied_at.is_(None)).order_by(Decision.id)).all()
    return {d.coaching_id: d for d in found}


def history(store, rep_id: str, org: Org, limit: int = HISTORY_LIMIT) -> list[dict]:
    """The rep's latest decisions, escalation requests and notes in the store, newest first."""
    name = lambda uid: org.people[uid].name if uid in org.people else uid  # noqa: E731
    with store.sessions() as session:
        decisions = session.scalars(select(Decision).where(Decision.rep_id == rep_id)
                                    .order_by(Decision.id.desc()).limit(limit)).all()
        notes = session.scalars(select(Note).where(Note.rep_id == rep_id).order_by(Note.id.desc()).limit(limit)).all()
        escalations = session.scalars(select(EscalationRequest).where(EscalationRequest.rep_id == rep_id)
                                      .order_by(EscalationRequest.id.desc()).limit(limit)).all()
    entries = []
    for d in decisions:
        state = ("undone" if d.undone_at else "replaced" if d.superseded_by else
                 "applied" if d.applied_at else "takes effect in tonight's run")
        text = d.decision + (f": {d.action_text}" if d.decision == "modified" else "") + (
            f" ({d.note})" if d.note else "")
        entries.append({"at": d.decided_at, "kind": "decision", "who": name(d.decided_by),
                        "text": f"{text} on {d.coaching_id}", "state": state})
    for n in notes:
        entries.append({"at": n.created_at, "kind": "note", "who": name(n.author), "text": n.text, "state": None})
    for e in escalations:
        entries.append({"at": e.requested_at, "kind": "escalation", "who": name(e.requested_by), "text": e.note,
                        "state": "resolved" if e.resolved_at else "open"})
    return sorted(entries, key=lambda e: e["at"], reverse=True)[:limit]


def inbox(cur, store, org: Org, rep_ids: list[str]) -> list[dict]:
    """One group per rep with pending events: the most persistent rep first (their top
    event's weeks flagged, then its opening date), each event with the store's decision not
    applied yet, if any."""
    events = pending_events(cur, rep_ids)
    decided = _unapplied_of(store, [e["coaching_id"] for e in events]) if store is not None else {}
    groups: dict[str, dict] = {}
    for e in events:
        d = decided.get(e["coaching_id"])
        e["decision"] = None if d is None else {
            "id": d.id, "decision": d.decision, "action_text": d.action_text, "note": d.note,
            "by": org.people[d.decided_by].name if d.decided_by in org.people else d.decided_by}
        group = groups.setdefault(e["rep_id"], {"rep": org.people[e["rep_id"]], "events": []})
        group["events"].append(e)  # already most persistent first
    ordered = sorted(groups.values(), key=lambda g: (-(g["events"][0]["weeks_flagged"] or 0),
                                                     g["events"][0]["opened_on"], g["rep"].name))
    for g in ordered:
        g["history"] = history(store, g["rep"].user_id, org) if store is not None else []
    return ordered
