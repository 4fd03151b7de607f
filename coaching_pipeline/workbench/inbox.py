"""The manager inbox (workbench contract, "Pages" 2): the pending recommendations of the
reps the viewer may decide, with approve / modify / dismiss (one or several), undo of a
decision not applied yet, an escalation and a note per rep. Every post is a plain form post
with the CSRF token (the app-wide guard), re-checked here with access.rep_access against the
published file (ids from a form only name things: the rep is read from the data) and again by
the store's own functions. A refusal here is Denied (403, audited by the app); a refusal of
the store is ApprovalRefused (403 with its sentence; the store audited it already)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from . import inbox_queries
from .access import Viewer, rep_access
from .app import current_viewer, deny, org_of, render
from .store import decisions as store_decisions
from .store import requests as store_requests
from .store.facts import Facts
from .store.models import DECISIONS

router = APIRouter(include_in_schema=False)
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


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, viewer: Viewer = Depends(current_viewer)):
    _require_lead(request, viewer, "view_inbox")
    org = org_of(request)
    rep_ids = [s.user_id for s in org.sellers() if rep_access(viewer, org, s.user_id).decide]
    with request.app.state.published.cursor() as cur:
        groups = inbox_queries.inbox(cur, request.app.state.store, org, rep_ids)
    return render(request, "inbox.html.j2", {"groups": groups, "has_store": request.app.state.store is not None,
                                             "decisions": DECISIONS}, viewer=viewer)


@router.post("/inbox/decide")
def decide(request: Request, coaching_id: list[str] = Form(default=[]), decision: str = Form(""),
           action: str = Form(""), note: str = Form(""), viewer: Viewer = Depends(current_viewer)):
    """One event (coaching_id) or several (bulk: the checked coaching_id fields)."""
    _require_lead(request, viewer, "decide")
    ids = list(dict.fromkeys(c for c in coaching_id if c.strip()))
    if decision not in DECISIONS:
        return _problem(request, viewer, f"Choose approve, modify or dismiss, not {decision!r}.")
    if not ids:
        return _problem(request, viewer, "Check at least one recommendation first.")
    if decision == "dismissed" and not note.strip():
        return _problem(request, viewer, "A dismissal needs a reason.")
    if decision == "modified" and not action.strip():
        return _problem(request, viewer, "A modified recommendation needs its new action text.")
    store, org = _store_or_503(request), org_of(request)
    if store is None:
        return _problem(request, viewer, "No decisions store is configured.", 503)
    with request.app.state.published.cursor() as cur:
        facts = Facts(cur)
        reps = {cid: inbox_queries.event_rep(cur, cid) for cid in ids}
        for cid, rep_id in reps.items():  # all checked before any is recorded
            if rep_id is None or not rep_access(viewer, org, rep_id).decide:
                deny(request, viewer, "decide", cid, "not a recommendation of a rep you lead")
        for cid in ids:
            store_decisions.decide(store, facts, cid, viewer.user_id, decision, action=action or None,
                                   note=note or None)
    return _back(reps[ids[0]] if len(ids) == 1 else None)


@router.post("/inbox/undo")
def undo(request: Request, decision_id: str = Form(""), viewer: Viewer = Depends(current_viewer)):
    _require_lead(request, viewer, "undo_decision")
    store = _store_or_503(request)
    if store is None:
        return _problem(request, viewer, "No decisions store is configured.", 503)
    found = inbox_queries.decision_rep(store, int(decision_id)) if decision_id.isdigit() else None
    if found is None or not rep_access(viewer, org_of(request), found[0]).decide:
        deny(request, viewer, "undo_decision", found[1] if found else decision_id,
             "not a decision on a rep you lead")
    with request.app.state.published.cursor() as cur:
        store_decisions.undo_decision(store, Facts(cur), int(decision_id), viewer.user_id)
    return _back(found[0])


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
