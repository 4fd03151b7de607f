"""The SLM view's reads (workbench contract, "Pages" 4): each escalation of the org under the
viewer with its weekly history, owner and status, and a roll-up by manager.

Two sources, one list:
- coaching.escalations of the published file (what the pipeline raised, and the manual
  escalations the last run applied), each with the weekly rows of its coaching event
  (coaching.coaching_history) or, without an event, the history the escalation carries;
- the decisions store: a manager's escalation request not in the published file yet shows at
  once, "takes effect in tonight's run"; a request already applied is matched to its
  published row (same rep, manager and time, store/resolutions.request_key), never listed twice.
Status is open until the store holds a resolution: on the request for a requested escalation,
in escalation_resolution for the rest (store/resolutions.py).

Access is decided before these run: `scope` gives the reps whose escalations the viewer may
see; everything here is a plain function of rows, so the rules and counts are tested without
a server."""

from __future__ import annotations

import datetime as dt
import json
import math

from sqlalchemy import select

from ..coaching.role_catalogue import pattern_subject
from ..digests.decisions import decision_texts
from ..digests.escalations import ESCALATED_TO, RULE_LABELS, history_rows, rule_label
from ..digests.formatting import day_text
from .access import Org, Viewer
from .published import has_table, rows, weekly_rows
from .store.models import EscalationRequest
from .store.resolutions import request_key, resolutions

STATUSES = ("open", "resolved", "all")
PAGE_SIZE = 50
REQUEST_PREFIX = "request-"  # the key of a store request not matched to a published escalation


def may_view(viewer: Viewer) -> bool:
    """An SLM (someone some seller has as slm_id) or an admin; a manager or a rep alone may not."""
    return bool(viewer.user_id and "slm" in viewer.roles) or "admin" in viewer.roles


def scope(viewer: Viewer, org: Org) -> list[str] | None:
    """The reps whose escalations the viewer follows: None for an admin (every row, even of a
    seller gone from the marts), else the sellers whose slm_id is the viewer."""
    if "admin" in viewer.roles:
        return None
    if not (viewer.user_id and "slm" in viewer.roles):
        return []
    return [s.user_id for s in org.sellers() if s.slm_id == viewer.user_id]


def may_resolve(viewer: Viewer, org: Org, rep_id: str | None) -> bool:
    """Only the rep's own SLM, by the published data (an admin reads only)."""
    rep = org.people.get(rep_id) if rep_id else None
    return bool(viewer.user_id and rep is not None and rep.is_seller and rep.slm_id == viewer.user_id)


# --------------------------------------------------------------------------------------
# reads


def published_escalations(cur, rep_ids: list[str] | None) -> list[dict]:
    """Rows of coaching.escalations, of these reps (None: all), newest first."""
    if (rep_ids is not None and not rep_ids) or not has_table(cur, "coaching", "escalations"):
        return []
    where, params = ("where list_contains(?::varchar[], rep_id)", [rep_ids]) if rep_ids is not None else ("", [])
    return rows(cur, f"""
        select escalation_id, rep_id, rule, pattern_key, coaching_id, escalated_to, manager_id, slm_id,
               escalation_date, reason, history, escalated_by, escalated_at
        from coaching.escalations {where}
        order by escalation_date desc, escalation_id""", params)


def weekly_history(cur, coaching_ids: list[str]) -> dict[str, list[dict]]:
    """coaching_id -> its weekly rows, oldest first, dates as ISO text (the page's JSON)."""
    return {cid: [{**w, "assessment_date": w["assessment_date"].isoformat()} for w in weeks]
            for cid, weeks in weekly_rows(cur, coaching_ids).items()}


def events(cur, coaching_ids: list[str]) -> dict[str, dict]:
    """coaching_id -> the event's pattern text and whether (and when) its pattern cleared."""
    if not coaching_ids or not has_table(cur, "coaching", "coaching_log"):
        return {}
    return {r["coaching_id"]: r for r in rows(cur, """
        select coaching_id, pattern_detected, status, resolution_date from coaching.coaching_log
        where list_contains(?::varchar[], coaching_id)""", [coaching_ids])}


def store_requests(store, rep_ids: list[str] | None) -> list[EscalationRequest]:
    if store is None or (rep_ids is not None and not rep_ids):
        return []
    query = select(EscalationRequest).order_by(EscalationRequest.id)
    if rep_ids is not None:
        query = query.where(EscalationRequest.rep_id.in_(rep_ids))
    with store.sessions() as session:
        return list(session.scalars(query).all())


# --------------------------------------------------------------------------------------
# shaping (pure)


def _name(org: Org, uid: str | None) -> str | None:
    if not uid:
        return None
    return org.people[uid].name if uid in org.people else uid


def _owner(org: Org, rep_id: str, fallback: str | None) -> str | None:
    """The rep's current manager (the published org), else the one the escalation recorded."""
    rep = org.people.get(rep_id)
    return (rep.manager_id if rep else None) or fallback


def _subject(pattern_key: str | None) -> str | None:
    """What was escalated, as the SLM notice names it; None for a manual escalation (its
    reason says it)."""
    return pattern_subject(pattern_key)


def _resolution(by: str | None, at: dt.datetime | None, note: str | None, org: Org) -> dict | None:
    if at is None:
        return None
    return {"by": by, "by_name": _name(org, by), "at": at, "at_text": f"{day_text(at.date())} {at:%H:%M} UTC",
            "note": note}


def build(published: list[dict], history: dict[str, list[dict]], event_rows: dict[str, dict],
          decisions: dict[str, str], requests: list[EscalationRequest], resolved: dict, org: Org) -> list[dict]:
    """One item per escalation: the published rows, then the store requests not published
    yet; open ones first (a request waiting for tonight's run before all), newest first."""
    by_key = {request_key(r.rep_id, r.requested_by, r.requested_at): r for r in requests}
    matched: set[int] = set()
    items = []
    for row in published:
        req = by_key.get(request_key(row["rep_id"], row["escalated_by"], row["escalated_at"])) \
            if row["rule"] == "manual" else None
        if req is not None:
            matched.add(req.id)
            resolution = _resolution(req.resolved_by, req.resolved_at, req.resolution_note, org)
        else:
            done = resolved.get(row["escalation_id"])
            resolution = _resolution(done.resolved_by, done.resolved_at, done.note, org) if done else None
        event = event_rows.get(row["coaching_id"]) if row["coaching_id"] else None
        weeks = history.get(row["coaching_id"]) if row["coaching_id"] else None
        manager = _owner(org, row["rep_id"], row["manager_id"])
        items.append({
            "key": row["escalation_id"], "escalation_id": row["escalation_id"], "request_id": req.id if req else None,
            "rep_id": row["rep_id"], "rep_name": _name(org, row["rep_id"]),
            "manager_id": manager, "manager_name": _name(org, manager) or "no manager",
            "rule": row["rule"], "rule_label": rule_label(row["rule"], row["pattern_key"]),
            "to": ESCALATED_TO.get(row["escalated_to"], row["escalated_to"]), "subject": _subject(row["pattern_key"]),
            "date": row["escalation_date"], "date_text": day_text(row["escalation_date"]), "reason": row["reason"],
            "raised_by": _name(org, row["escalated_by"]),
            "history": history_rows(json.dumps(weeks)) if weeks else history_rows(row["history"]),
            "decision": decisions.get(row["escalation_id"]),
            "pattern": event["pattern_detected"] if event else None,
            "cleared_on": day_text(event["resolution_date"]) if event and event["resolution_date"] else None,
            "status": "resolved" if resolution else "open", "pending": False, "resolution": resolution,
        })
    for req in requests:
        if req.id in matched:
            continue
        manager = _owner(org, req.rep_id, None)
        resolution = _resolution(req.resolved_by, req.resolved_at, req.resolution_note, org)
        items.append({
            "key": f"{REQUEST_PREFIX}{req.id}", "escalation_id": None, "request_id": req.id,
            "rep_id": req.rep_id, "rep_name": _name(org, req.rep_id),
            "manager_id": manager, "manager_name": _name(org, manager) or "no manager",
            "rule": "manual", "rule_label": RULE_LABELS["manual"], "to": ESCALATED_TO["slm"], "subject": None,
            "date": req.requested_at.date(), "date_text": day_text(req.requested_at.date()), "reason": req.note,
            "raised_by": _name(org, req.requested_by), "history": [], "decision": None, "pattern": None,
            "cleared_on": None, "status": "resolved" if resolution else "open",
            "pending": req.applied_at is None, "resolution": resolution,
        })
    return sorted(items, key=lambda i: (i["status"] != "open", not i["pending"], -i["date"].toordinal(),
                                        i["rep_name"] or "", i["key"]))


def rollup(items: list[dict], today: dt.date) -> list[dict]:
    """Per manager (the rep's current one): open escalations, resolved this month (UTC month
    of today), reps with an open escalation, and the oldest open one; most open first."""
    per: dict[str | None, dict] = {}
    for i in items:
        m = per.setdefault(i["manager_id"], {"manager_id": i["manager_id"], "manager_name": i["manager_name"],
                                             "open": 0, "resolved_this_month": 0, "reps": set(), "oldest": None})
        if i["status"] == "open":
            m["open"] += 1
            m["reps"].add(i["rep_id"])
            m["oldest"] = i["date"] if m["oldest"] is None else min(m["oldest"], i["date"])
        elif (i["resolution"]["at"].year, i["resolution"]["at"].month) == (today.year, today.month):
            m["resolved_this_month"] += 1
    out = []
    for m in per.values():
        oldest = m.pop("oldest")
        out.append({**m, "reps_escalated": len(m.pop("reps")), "oldest_open": oldest,
                    "oldest_open_text": day_text(oldest) if oldest else "none",
                    "oldest_open_days": (today - oldest).days if oldest else None})
    return sorted(out, key=lambda m: (-m["open"], m["manager_name"], m["manager_id"] or ""))


def select_items(items: list[dict], status: str, manager: str | None, page: int) -> dict:
    """The filtered page of items (status open / resolved / all, one manager or all)."""
    chosen = [i for i in items if (status == "all" or i["status"] == status)
              and (not manager or i["manager_id"] == manager)]
    pages = max(1, math.ceil(len(chosen) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    return {"items": chosen[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], "total": len(chosen), "page": page,
            "pages": pages}


def view(cur, store, org: Org, viewer: Viewer, *, today: dt.date, status: str = "open", manager: str | None = None,
         page: int = 1) -> dict:
    """Everything the page and the API show, for the viewer's scope."""
    rep_ids = scope(viewer, org)
    published = published_escalations(cur, rep_ids)
    cids = sorted({r["coaching_id"] for r in published if r["coaching_id"]})
    name = lambda uid: _name(org, uid) or "unknown"  # noqa: E731
    decided = decision_texts(cur, published, today, name) if published and has_table(cur, "coaching", "coaching_log") \
        else {}
    resolved = resolutions(store, rep_ids=rep_ids) if store is not None else {}
    items = build(published, weekly_history(cur, cids), events(cur, cids), decided, store_requests(store, rep_ids),
                  resolved, org)
    status = status if status in STATUSES else "open"
    managers = rollup(items, today)
    manager = manager if any(m["manager_id"] == manager for m in managers) else None
    counts = {s: sum(1 for i in items if s == "all" or i["status"] == s) for s in STATUSES}
    return {"status": status, "manager": manager, "counts": counts, "rollup": managers,
            "today": today, **select_items(items, status, manager, page)}


def resolve_target(cur, store, key: str) -> tuple[str, str | int, str] | None:
    """What a resolve form names, read from the data (never from the form): ("request",
    request id, rep id) or ("published", escalation id, rep id); None when nothing matches."""
    if key.startswith(REQUEST_PREFIX):
        number = key.removeprefix(REQUEST_PREFIX)
        if not number.isdigit() or store is None:
            return None
        with store.sessions() as session:
            row = session.get(EscalationRequest, int(number))
        return ("request", row.id, row.rep_id) if row else None
    if not key or not has_table(cur, "coaching", "escalations"):
        return None
    row = cur.execute("select escalation_id, rep_id from coaching.escalations where escalation_id = ?",
                      [key]).fetchone()
    return ("published", row[0], row[1]) if row else None
