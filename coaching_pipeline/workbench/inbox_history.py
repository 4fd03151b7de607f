"""The coaching history of a rep as one timeline, newest first (workbench contract, "Pages" 2:
events, decisions, escalations, improvements, notes), from both places it lives:

- the published file: each coaching event opened (coaching_log.opened_on) and resolved
  (resolution_date, improvement_detected); each week the persistence clock restarted on a
  10% improvement (coaching_history.clock_reset); the escalations (coaching.escalations, else
  coaching_log's escalation_date); decisions made outside the store, i.e. with `coaching
  approvals` (coaching.decisions rows no store decision matches);
- the decisions store: every decision with its state (takes effect in tonight's run,
  applied, undone, replaced), escalation requests not applied yet (an applied one is the
  published manual escalation it became, never listed twice), SLM resolutions, notes.

Events are named by their pattern (pattern_detected), never by a coaching id. Everything is
read for all the page's reps in one query per source; `build` is a plain function of rows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..digests.escalations import rule_label
from ..digests.formatting import day_text
from .access import Org
from .inbox_evidence import pattern_name
from .published import columns_of, has_table, rows
from .store.models import DECISIONS, Decision, EscalationRequest, Note
from .store.resolution_models import EscalationResolution
from .store.resolutions import request_key

HISTORY_LIMIT = 8  # entries per rep on the inbox page; the rep's history page shows them all
KIND_LABELS = {"event": "Event", "improvement": "Improvement", "escalation": "Escalation", "decision": "Decision",
               "note": "Note"}
_RANK = {k: i for i, k in enumerate(KIND_LABELS)}  # same moment: a note after a decision after an event
VERBS = {"approved": "Approved", "modified": "Modified", "dismissed": "Dismissed"}
PENDING_TEXT = "takes effect in tonight's run"


def _at(value) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time.min)


def when_text(value) -> str:
    if isinstance(value, dt.datetime):
        return f"{day_text(value.date())} {value:%H:%M} UTC"
    return day_text(value)


def entry(at, kind: str, text: str, who: str | None = None, state: str | None = None, detail: str | None = None,
          rep_id: str | None = None) -> dict:
    return {"at": _at(at), "at_text": when_text(at), "kind": kind, "kind_label": KIND_LABELS[kind], "text": text,
            "who": who, "state": state, "detail": detail, "rep_id": rep_id}


# --------------------------------------------------------------------------------------
# reads


def _optional(cur, table: str, wanted: tuple[str, ...]) -> list[str]:
    have = columns_of(cur, "coaching", table)
    return [c for c in wanted if c in have]


def published(cur, rep_ids: list[str]) -> dict:
    """The published rows of these reps' histories: events, clock resets, escalations, decisions."""
    out = {"events": [], "resets": [], "escalations": None, "decisions": None}
    if not rep_ids or not has_table(cur, "coaching", "coaching_log"):
        return out
    extra = _optional(cur, "coaching_log", ("pattern_key", "status", "resolution_date", "improvement_detected",
                                            "escalation_date", "escalation_reason", "decided_by", "decided_at",
                                            "decision_note", "approved_action"))
    out["events"] = rows(cur, f"""
        select coaching_id, rep_id, pattern_detected, approval_status, opened_on, escalated_to_slm
               {''.join(', ' + c for c in extra)}
        from coaching.coaching_log where list_contains(?::varchar[], rep_id)""", [rep_ids])
    ids = [e["coaching_id"] for e in out["events"]]
    if ids and has_table(cur, "coaching", "coaching_history"):
        out["resets"] = rows(cur, """
            select coaching_id, assessment_date, metric_value from coaching.coaching_history
            where clock_reset and list_contains(?::varchar[], coaching_id)""", [ids])
    if has_table(cur, "coaching", "escalations"):
        extra = _optional(cur, "escalations", ("escalated_by", "escalated_at"))
        out["escalations"] = rows(cur, f"""
            select escalation_id, rep_id, rule, coaching_id, escalated_to, escalation_date, reason
                   {''.join(', ' + c for c in extra)}
            from coaching.escalations where list_contains(?::varchar[], rep_id)""", [rep_ids])
    if has_table(cur, "coaching", "decisions"):
        out["decisions"] = rows(cur, """
            select coaching_id, rep_id, decision, decided_by, decided_at, action_text, note from coaching.decisions
            where list_contains(?::varchar[], rep_id) and coaching_id is not null""", [rep_ids])
    return out


def stored(store, rep_ids: list[str]) -> dict:
    """The store's rows of these reps: decisions, escalation requests, resolutions, notes."""
    if store is None or not rep_ids:
        return {"decisions": [], "requests": [], "resolutions": [], "notes": []}
    with store.sessions() as session:
        return {
            "decisions": list(session.scalars(select(Decision).where(Decision.rep_id.in_(rep_ids)))),
            "requests": list(session.scalars(select(EscalationRequest).where(EscalationRequest.rep_id.in_(rep_ids)))),
            "resolutions": list(session.scalars(select(EscalationResolution)
                                                .where(EscalationResolution.rep_id.in_(rep_ids)))),
            "notes": list(session.scalars(select(Note).where(Note.rep_id.in_(rep_ids)))),
        }


# --------------------------------------------------------------------------------------
# shaping (pure)


def _decision_text(decision: str, event_name: str, action: str | None, note: str | None) -> str:
    text = f"{VERBS.get(decision, decision.capitalize())}: {event_name}"
    if decision == "modified" and action:
        text += f". New action: {action}"
    if note:
        text += f". {'Reason' if decision == 'dismissed' else 'Note'}: {note}"
    return text


def _state(d: Decision) -> str:
    if d.undone_at:
        return f"undone {when_text(d.undone_at)}"
    if d.superseded_by:
        return "replaced by a later decision"
    if d.applied_at:
        return f"applied {when_text(d.applied_at)}"
    return PENDING_TEXT


def build(pub: dict, store_rows: dict, org: Org) -> dict[str, list[dict]]:
    """rep_id -> the rep's timeline, newest first."""
    def name(uid):
        return (org.people[uid].name if uid in org.people else uid) if uid else None

    events = {e["coaching_id"]: e for e in pub["events"]}

    def named(cid):
        return pattern_name(events[cid]) if cid in events else "a coaching event no longer published"

    out: list[dict] = []
    for e in pub["events"]:
        rep, title = e["rep_id"], pattern_name(e)
        if e.get("opened_on"):
            out.append(entry(e["opened_on"], "event", f"Opened: {title}", rep_id=rep))
        if e.get("resolution_date"):
            how = "no longer flagged (improved)" if e.get("improvement_detected") else "no longer flagged"
            out.append(entry(e["resolution_date"], "improvement", f"Resolved: {title}, {how}", rep_id=rep))
        if pub["escalations"] is None and e.get("escalated_to_slm") and e.get("escalation_date"):
            out.append(entry(e["escalation_date"], "escalation", f"Escalated to the second-line manager: {title}",
                             detail=e.get("escalation_reason"), rep_id=rep))
    for r in pub["resets"]:
        e = events[r["coaching_id"]]
        out.append(entry(r["assessment_date"], "improvement",
                         f"Improved 10% or more: {pattern_name(e)}; the persistence clock restarted at week 1",
                         rep_id=e["rep_id"]))
    requests = {request_key(q.rep_id, q.requested_by, q.requested_at): q for q in store_rows["requests"]}
    published_requests: set[int] = set()
    resolved = {r.escalation_id: r for r in store_rows["resolutions"]}
    for x in pub["escalations"] or []:
        manual = x["rule"] == "manual"
        req = requests.get(request_key(x["rep_id"], x.get("escalated_by"), x.get("escalated_at"))) if manual else None
        if req is not None:
            published_requests.add(req.id)
        label = rule_label(x["rule"], x.get("pattern_key"))
        subject = x["reason"] if manual else (named(x["coaching_id"]) if x["coaching_id"] else x["reason"])
        at = x.get("escalated_at") if manual and x.get("escalated_at") else x["escalation_date"]
        out.append(entry(at, "escalation", f"{label}: {subject}", who=name(x.get("escalated_by")),
                         detail=None if manual else x["reason"], rep_id=x["rep_id"]))
        done = resolved.get(x["escalation_id"])
        if done is not None:
            out.append(entry(done.resolved_at, "escalation", f"Escalation resolved ({label}): {done.note}",
                             who=name(done.resolved_by), rep_id=x["rep_id"]))
    for q in store_rows["requests"]:
        if q.id not in published_requests:
            out.append(entry(q.requested_at, "escalation", f"Escalation requested: {q.note}", who=name(q.requested_by),
                             state=None if q.applied_at else PENDING_TEXT, rep_id=q.rep_id))
        if q.resolved_at:
            out.append(entry(q.resolved_at, "escalation", f"Escalation resolved: {q.resolution_note}",
                             who=name(q.resolved_by), rep_id=q.rep_id))
    store_keys = {(d.coaching_id, d.decision, d.decided_by, d.decided_at) for d in store_rows["decisions"]}
    for d in store_rows["decisions"]:
        out.append(entry(d.decided_at, "decision", _decision_text(d.decision, named(d.coaching_id), d.action_text,
                                                                  d.note), who=name(d.decided_by), state=_state(d),
                         rep_id=d.rep_id))
    for d in _outside_decisions(pub):
        if (d["coaching_id"], d["decision"], d["decided_by"], d["decided_at"]) in store_keys:
            continue  # a store decision the coaching step applied: listed once, from the store
        out.append(entry(d["decided_at"], "decision", _decision_text(d["decision"], named(d["coaching_id"]),
                                                                     d.get("action_text"), d.get("note")),
                         who=name(d["decided_by"]), state="in the coaching log", rep_id=d["rep_id"]))
    for n in store_rows["notes"]:
        out.append(entry(n.created_at, "note", n.text, who=name(n.author), rep_id=n.rep_id))
    by_rep: dict[str, list[dict]] = {}
    for item in sorted(out, key=lambda i: (i["at"], _RANK[i["kind"]], i["text"]), reverse=True):
        by_rep.setdefault(item["rep_id"], []).append(item)
    return by_rep


def _outside_decisions(pub: dict) -> list[dict]:
    """The published decisions (coaching.decisions; else the decision columns of coaching_log)."""
    if pub["decisions"] is not None:
        return [d for d in pub["decisions"] if d["decision"] in DECISIONS and d["decided_at"] is not None]
    return [{"coaching_id": e["coaching_id"], "rep_id": e["rep_id"], "decision": e["approval_status"],
             "decided_by": e.get("decided_by"), "decided_at": e["decided_at"],
             "action_text": e.get("approved_action") if e["approval_status"] == "modified" else None,
             "note": e.get("decision_note")}
            for e in pub["events"] if e["approval_status"] in DECISIONS and e.get("decided_at") is not None]


def timelines(cur, store, org: Org, rep_ids: list[str]) -> dict[str, list[dict]]:
    """rep_id -> the full timeline (newest first) of each of these reps (access decided before)."""
    built = build(published(cur, rep_ids), stored(store, rep_ids), org)
    return {r: built.get(r, []) for r in rep_ids}
