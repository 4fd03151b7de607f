"""The manager inbox (workbench contract, "Pages" 2): the pending recommendations of the
reps the viewer may decide, with approve / modify / dismiss (one or several), undo of a
decision not applied yet, an escalation and a note per rep. Every post is a plain form post
with the CSRF token (the app-wide guard), re-checked here with access.rep_access against the
published file (ids from a form only name things: the rep is read from the data) and again by
the store's own functions. A refusal here is Denied (403, audited by the app); a refusal of
the store is ApprovalRefused (403 with its sentence; the store audited it already)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from . import inbox_queries
from .access import Viewer, rep_access
from .app import current_viewer, deny, org_of, render
from .store import bulk as store_bulk
from .store import decisions as store_decisions
from .store import requests as store_requests
from .store.facts import Facts
from .store.models import DECISIONS

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["workbench"])
LEADS = {"manager", "slm"}


def _require_lead(request: Request, viewer: Viewer, action: str) -> None:
    if not (viewer.user_id and viewer.roles & LEADS):
        deny(request, viewer, action, None, "the inbox is for managers and second-line managers")


def _store_or_503(request: Request):
    """The decisions store, or None (the caller answers 503)."""
    return request.app.state.store


def _back(rep_id: str | None = None) -> RedirectResponse:
    return RedirectResponse("/inbox" + (f"#rep-{rep_id}" if rep_id else ""), status_code=303)


def _problem(request: Request, viewer: Viewer, message: str, status: int = 400):
    return render(request, "error.html.j2", {"title": "Not done", "message": message}, status=status, viewer=viewer)


def _groups(request: Request, viewer: Viewer) -> tuple[list[dict], list[dict]]:
    """(the pending recommendations by rep, the queued ones by rep) the viewer may see."""
    _require_lead(request, viewer, "view_inbox")
    org = org_of(request)
    rep_ids = [s.user_id for s in org.sellers() if rep_access(viewer, org, s.user_id).decide]
    with request.app.state.published.cursor() as cur:
        return (inbox_queries.inbox(cur, request.app.state.store, org, rep_ids),
                inbox_queries.queued_events(cur, org, rep_ids))


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, viewer: Viewer = Depends(current_viewer)):
    groups, queued = _groups(request, viewer)
    return render(request, "inbox.html.j2", {"groups": groups, "queued": queued,
                                             "has_store": request.app.state.store is not None,
                                             "decisions": DECISIONS}, viewer=viewer)


class Problem(Exception):
    """A request the manager can fix (or a missing store): its status and the sentence why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def record_decisions(request: Request, viewer: Viewer, coaching_ids: list[str], decision: str, action: str | None,
                     note: str | None, via: str) -> tuple[list, dict[str, str]]:
    """The page's and the API's one way to decide: every event checked against the viewer's
    team before anything is written, then all recorded together or none (store/bulk.py).
    Returns (the decisions, coaching_id -> rep_id)."""
    _require_lead(request, viewer, "decide")
    ids = list(dict.fromkeys(c.strip() for c in coaching_ids if c.strip()))
    if decision not in DECISIONS:
        raise Problem(f"Choose approve, modify or dismiss, not {decision!r}.")
    if not ids:
        raise Problem("Check at least one recommendation first.")
    if decision == "dismissed" and not (note or "").strip():
        raise Problem("A dismissal needs a reason.")
    if decision == "modified" and not (action or "").strip():
        raise Problem("A modified recommendation needs its new action text.")
    store, org = _store_or_503(request), org_of(request)
    if store is None:
        raise Problem("No decisions store is configured.", 503)
    with request.app.state.published.cursor() as cur:
        facts = Facts(cur)
        reps = {cid: inbox_queries.event_rep(cur, cid) for cid in ids}
        for cid, rep_id in reps.items():  # all checked before any is recorded
            if rep_id is None or not rep_access(viewer, org, rep_id).decide:
                deny(request, viewer, "decide", cid, f"{via}: not a recommendation of a rep you lead")
        recorded = store_bulk.decide_many(store, facts, ids, viewer.user_id, decision, action=action or None,
                                          note=note or None)
    return recorded, reps


@router.post("/inbox/decide")
def decide(request: Request, coaching_id: list[str] = Form(default=[]), decision: str = Form(""),
           action: str = Form(""), note: str = Form(""), viewer: Viewer = Depends(current_viewer)):
    """One event (coaching_id) or several (bulk: the checked coaching_id fields)."""
    try:
        recorded, reps = record_decisions(request, viewer, coaching_id, decision, action, note, "inbox")
    except Problem as problem:
        return _problem(request, viewer, str(problem), problem.status)
    return _back(reps[recorded[0].coaching_id] if len(recorded) == 1 else None)


@router.get("/inbox/reps/{rep_id}/history", response_class=HTMLResponse)
def history_page(rep_id: str, request: Request, viewer: Viewer = Depends(current_viewer)):
    data = _history(request, viewer, rep_id, "history page")
    return render(request, "history.html.j2", data, viewer=viewer)


def _history(request: Request, viewer: Viewer, rep_id: str, via: str) -> dict:
    _require_lead(request, viewer, "view_history")
    org = org_of(request)
    if rep_id not in org.people or not rep_access(viewer, org, rep_id).decide:
        deny(request, viewer, "view_history", rep_id, f"{via}: not a rep you lead")
    with request.app.state.published.cursor() as cur:
        return inbox_queries.rep_history(cur, request.app.state.store, org, rep_id)


def undo_one(request: Request, viewer: Viewer, decision_id: str, via: str):
    """Withdraw a decision not applied yet on a rep the viewer leads; returns (row, rep_id)."""
    _require_lead(request, viewer, "undo_decision")
    store = _store_or_503(request)
    if store is None:
        raise Problem("No decisions store is configured.", 503)
    found = inbox_queries.decision_rep(store, int(decision_id)) if str(decision_id).isdigit() else None
    if found is None or not rep_access(viewer, org_of(request), found[0]).decide:
        deny(request, viewer, "undo_decision", found[1] if found else str(decision_id),
             f"{via}: not a decision on a rep you lead")
    with request.app.state.published.cursor() as cur:
        return store_decisions.undo_decision(store, Facts(cur), int(decision_id), viewer.user_id), found[0]


@router.post("/inbox/undo")
def undo(request: Request, decision_id: str = Form(""), viewer: Viewer = Depends(current_viewer)):
    try:
        _, rep_id = undo_one(request, viewer, decision_id, "inbox")
    except Problem as problem:
        return _problem(request, viewer, str(problem), problem.status)
    return _back(rep_id)


@router.post("/inbox/escalate")
def escalate(request: Request, rep_id: str = Form(""), note: str = Form(""),
             viewer: Viewer = Depends(current_viewer)):
    return _rep_post(request, viewer, "escalate", rep_id, note, store_requests.request_escalation)


@router.post("/inbox/note")
def add_note(request: Request, rep_id: str = Form(""), text: str = Form(""),
             viewer: Viewer = Depends(current_viewer)):
    return _rep_post(request, viewer, "add_note", rep_id, text, store_requests.add_note)


def _rep_post(request: Request, viewer: Viewer, action: str, rep_id: str, text: str, write):
    _require_lead(request, viewer, action)
    if not rep_access(viewer, org_of(request), rep_id).decide:
        deny(request, viewer, action, rep_id, "not a rep you lead")
    if not text.strip():
        return _problem(request, viewer, "An escalation needs a note saying why." if action == "escalate"
                        else "A note needs its text.")
    store = _store_or_503(request)
    if store is None:
        return _problem(request, viewer, "No decisions store is configured.", 503)
    with request.app.state.published.cursor() as cur:
        write(store, Facts(cur), rep_id, viewer.user_id, text)
    return _back(rep_id)


# --------------------------------------------------------------------------------------
# the same under /api (JSON; posts send the CSRF token header)


class DecisionIn(BaseModel):
    coaching_ids: list[str] = Field(..., min_length=1, description="One event, or several decided together "
                                    "(all recorded or none)")
    decision: str = Field(..., description="approved, modified or dismissed")
    action: str | None = Field(None, max_length=2000, description="The new action text (modified)")
    note: str | None = Field(None, max_length=2000, description="Why (required to dismiss)")


def _decision_json(d) -> dict:
    return {"decision_id": d.id, "coaching_id": d.coaching_id, "rep_id": d.rep_id, "decision": d.decision,
            "action_text": d.action_text, "note": d.note, "decided_by": d.decided_by, "decided_at": d.decided_at,
            "undone_at": d.undone_at, "applied_at": d.applied_at}


@api_router.get("/inbox", summary="Pending recommendations of the reps you lead, most severe first, with their "
                "evidence and each rep's latest history")
def inbox_api(request: Request, viewer: Viewer = Depends(current_viewer)):
    groups, queued = _groups(request, viewer)
    return jsonable_encoder({"groups": groups, "queued": queued})


@api_router.get("/inbox/reps/{rep_id}/history", summary="The whole coaching history of a rep you lead, newest first")
def history_api(rep_id: str, request: Request, viewer: Viewer = Depends(current_viewer)):
    return jsonable_encoder(_history(request, viewer, rep_id, "api history"))


@api_router.post("/inbox/decisions", summary="Approve, modify or dismiss one or several recommendations")
def decide_api(body: DecisionIn, request: Request, viewer: Viewer = Depends(current_viewer)):
    try:
        recorded, _ = record_decisions(request, viewer, body.coaching_ids, body.decision, body.action, body.note, "api")
    except Problem as problem:
        return JSONResponse({"detail": str(problem)}, status_code=problem.status)
    return jsonable_encoder({"decisions": [_decision_json(d) for d in recorded]})


@api_router.post("/inbox/decisions/{decision_id}/undo", summary="Withdraw a decision the coaching step has not "
                 "applied yet")
def undo_api(decision_id: str, request: Request, viewer: Viewer = Depends(current_viewer)):
    try:
        row, _ = undo_one(request, viewer, decision_id, "api")
    except Problem as problem:
        return JSONResponse({"detail": str(problem)}, status_code=problem.status)
    return jsonable_encoder(_decision_json(row))
