"""The manager inbox's reads: the pending recommendations of the published file
(coaching.coaching_log, approval_status 'pending_approval' and status 'open') of the reps a
viewer may decide, each with its evidence (inbox_evidence.py), joined with what the decisions
store already holds for them (a decision not applied yet shows at once, "takes effect in
tonight's run"), and each rep's coaching history (inbox_history.py). Access is decided by the
caller (access.rep_access); the rep ids passed in are the ones the viewer may decide.

The page and the JSON API both show `inbox(...)`, so they cannot disagree."""

from __future__ import annotations

from sqlalchemy import select

from ..config import CoachingSettings, settings
from .access import Org
from .inbox_evidence import EVIDENCE_COLUMNS, attach_evidence, rank_key
from .inbox_history import HISTORY_LIMIT, timelines
from .published import columns_of, has_table, rows
from .store.models import Decision

OPTIONAL = ("pattern_key", "last_assessed_on", "escalation_date", *EVIDENCE_COLUMNS)  # read when published


def history_url(rep_id: str) -> str:
    return f"/inbox/reps/{rep_id}/history"


def pending_events(cur, rep_ids: list[str]) -> tuple[list[dict], set[str]]:
    """(open pending events of these reps, the coaching_log columns the file has)."""
    if not rep_ids or not has_table(cur, "coaching", "coaching_log"):
        return [], set()
    have = columns_of(cur, "coaching", "coaching_log")
    extra = "".join(f", {c}" for c in OPTIONAL if c in have)
    waiting = " and not coalesce(queued, false)" if "queued" in have else ""
    found = rows(cur, f"""
        select coaching_id, rep_id, pattern_detected, recommended_action, weeks_flagged, opened_on,
               escalated_to_slm{extra}
        from coaching.coaching_log
        where list_contains(?::varchar[], rep_id) and status = 'open' and approval_status = 'pending_approval'
          {waiting}
        order by coaching_id""", [rep_ids])
    return found, have


def queued_events(cur, org: Org, rep_ids: list[str]) -> list[dict]:
    """Open events waiting for a free focus-area slot (coaching/signal.py), by rep: shown to
    the manager, not offered for a decision. Empty for a file from before the budget."""
    if not rep_ids:
        return []
    have = columns_of(cur, "coaching", "coaching_log")
    if "queued" not in have:
        return []
    pattern_key = "pattern_key" if "pattern_key" in have else "null as pattern_key"
    found = rows(cur, f"""
        select rep_id, coaching_id, {pattern_key}, pattern_detected, weeks_flagged, opened_on from coaching.coaching_log
        where list_contains(?::varchar[], rep_id) and status = 'open' and queued
        order by rep_id, weeks_flagged desc, opened_on, coaching_id""", [rep_ids])
    by_rep: dict[str, dict] = {}
    for e in found:
        rep = org.people.get(e["rep_id"])
        by_rep.setdefault(e["rep_id"], {"rep_id": e["rep_id"], "name": rep.name if rep else e["rep_id"],
                                         "events": []})["events"].append(e)
    return sorted(by_rep.values(), key=lambda g: g["name"])


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


def _name(org: Org, uid: str | None) -> str | None:
    return (org.people[uid].name if uid in org.people else uid) if uid else None


def inbox(cur, store, org: Org, rep_ids: list[str], cfg: CoachingSettings | None = None,
          limit: int = HISTORY_LIMIT) -> list[dict]:
    """One group per rep with pending events, the most severe first (inbox_evidence.rank_key
    of each rep's top event, then the rep's name), each event with its evidence and the
    store's decision not applied yet, if any, and the rep's latest `limit` history entries."""
    cfg = cfg or settings().coaching
    found, have = pending_events(cur, rep_ids)
    events = attach_evidence(cur, found, cfg, have)
    decided = _unapplied_of(store, [e["coaching_id"] for e in events]) if store is not None else {}
    groups: dict[str, dict] = {}
    for e in events:
        d = decided.get(e["coaching_id"])
        e["decision"] = None if d is None else {
            "id": d.id, "decision": d.decision, "action_text": d.action_text, "note": d.note,
            "by": _name(org, d.decided_by), "decided_at": d.decided_at}
        rep = org.people.get(e["rep_id"])
        group = groups.setdefault(e["rep_id"], {
            "rep": {"rep_id": e["rep_id"], "name": rep.name if rep else e["rep_id"], "role": rep.role if rep else None},
            "events": []})
        group["events"].append(e)  # already most severe first
    ordered = sorted(groups.values(), key=lambda g: (rank_key(g["events"][0]), g["rep"]["name"]))
    history = timelines(cur, store, org, [g["rep"]["rep_id"] for g in ordered])
    for g in ordered:
        full = history[g["rep"]["rep_id"]]
        g.update(history=full[:limit], history_total=len(full), history_url=history_url(g["rep"]["rep_id"]))
    return ordered


def rep_history(cur, store, org: Org, rep_id: str) -> dict:
    """A rep's whole coaching history (their history page and its API)."""
    rep = org.people.get(rep_id)
    return {"rep": {"rep_id": rep_id, "name": rep.name if rep else rep_id, "role": rep.role if rep else None},
            "history": timelines(cur, store, org, [rep_id])[rep_id]}
