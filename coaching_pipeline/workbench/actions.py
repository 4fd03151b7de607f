"""Next best actions marked done or deferred by their rep (dashboard, workbench contract
"Pages" 1), as plain form posts with the CSRF field (htmx swaps the actions card in place when
it is loaded) and as JSON under /api, through the same function and the same checks:

- only the rep themself marks or un-marks their actions (access.RepAccess.mark_actions); a
  manager, another rep, or an opportunity that is not a next best action of that rep in the
  published file (ids in a URL are never trusted) is Denied: 403, audited by the app;
- the store's own checks run again (record_outcome / undo_outcome): a refusal there is
  ApprovalRefused, answered 403 by the app with the store's sentence (the store audited it);
- a deferral needs a date after the rep's today; a malformed request is a 400 saying why.

"Today" is the rep's own calendar date (queries.rep_today: marts.sellers.time_zone, UTC when
the file has none), not the server's UTC date: a deferral is a day in the rep's week, and the
rest of the rep's figures (activity days, best times) are local too. The dashboard hides and
brings back actions with the same date, and the store checks "after today" against it. The
digests, which are about the data rather than the wall clock, use their as_of instead
(digests/month_data.read_next_actions)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from . import queries
from .access import Viewer, rep_access
from .app import current_viewer, deny, org_of, render
from .store import requests as store_requests
from .store.facts import Facts
from .store.models import OUTCOMES, ActionOutcome

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["workbench"])


class Problem(Exception):
    """A request the rep can fix (or a missing store): its status and the sentence saying why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def checked_outcome(outcome: str, deferred_until: str | dt.date | None, today: dt.date) -> tuple[str, dt.date | None]:
    """(outcome, the date a deferral comes back on), or Problem 400: done needs nothing, a
    deferral a date after today."""
    if outcome not in OUTCOMES:
        raise Problem(400, f"Mark the action done or deferred, not {outcome!r}.")
    if outcome == "done":
        return outcome, None
    if isinstance(deferred_until, str):
        try:
            deferred_until = dt.date.fromisoformat(deferred_until.strip()) if deferred_until.strip() else None
        except ValueError:
            raise Problem(400, f"{deferred_until!r} is not a date (YYYY-MM-DD).") from None
    if deferred_until is None:
        raise Problem(400, "A deferred action needs the date it comes back on.")
    if deferred_until <= today:
        raise Problem(400, f"Choose a date after today ({today.isoformat()}) for the action to come back on.")
    return outcome, deferred_until


def outcome_json(row: ActionOutcome) -> dict:
    return {"outcome_id": row.id, "opportunity_id": row.opportunity_id, "rep_id": row.rep_id,
            "outcome": row.outcome, "deferred_until": row.deferred_until, "reason": row.reason,
            "decided_at": row.decided_at, "undone_at": row.undone_at}


def _store(request: Request):
    store = request.app.state.store
    if store is None:
        raise Problem(503, "No decisions store is configured: actions cannot be marked.")
    return store


def mark(request: Request, viewer: Viewer, rep_id: str, opportunity_id: str, outcome: str,
         deferred_until: str | dt.date | None, reason: str | None, via: str) -> ActionOutcome:
    """Record the rep's outcome on one of their actions (see the module docstring)."""
    if not rep_access(viewer, org_of(request), rep_id).mark_actions:
        deny(request, viewer, "action_outcome", opportunity_id, f"{via}: only rep {rep_id} marks their own actions")
    with request.app.state.published.cursor() as cur:
        facts = Facts(cur)
        if facts.action_owner(opportunity_id) != rep_id:
            deny(request, viewer, "action_outcome", opportunity_id,
                 f"{via}: {opportunity_id} is not a next best action of rep {rep_id}")
        store = _store(request)
        today = queries.rep_today(cur, rep_id)
        outcome, until = checked_outcome(outcome, deferred_until, today)
        return store_requests.record_outcome(store, facts, opportunity_id, viewer.user_id, outcome, today=today,
                                             deferred_until=until, reason=reason)


def undo(request: Request, viewer: Viewer, rep_id: str, outcome_id: int, via: str) -> ActionOutcome:
    """Withdraw one of the rep's outcomes: the action shows again."""
    target = f"action_outcome:{outcome_id}"
    if not rep_access(viewer, org_of(request), rep_id).mark_actions:
        deny(request, viewer, "undo_action_outcome", target, f"{via}: only rep {rep_id} un-marks their own actions")
    store = _store(request)
    with store.sessions() as session:
        row = session.get(ActionOutcome, outcome_id)
    if row is None or row.rep_id != rep_id:
        deny(request, viewer, "undo_action_outcome", target, f"{via}: not an outcome of rep {rep_id}")
    return store_requests.undo_outcome(store, outcome_id, viewer.user_id)


def _problem_page(request: Request, viewer: Viewer, problem: Problem):
    return render(request, "error.html.j2", {"title": "Not done", "message": str(problem)}, status=problem.status,
                  viewer=viewer)


def _back(rep_id: str) -> RedirectResponse:
    return RedirectResponse(f"/reps/{rep_id}#next-best-actions", status_code=303)


@router.post("/reps/{rep_id}/actions/{opportunity_id}", response_class=HTMLResponse)
def mark_page(rep_id: str, opportunity_id: str, request: Request, outcome: str = Form(""),
              deferred_until: str = Form(""), reason: str = Form(""), viewer: Viewer = Depends(current_viewer)):
    try:
        mark(request, viewer, rep_id, opportunity_id, outcome, deferred_until, reason, "dashboard")
    except Problem as problem:
        return _problem_page(request, viewer, problem)
    return _back(rep_id)


@router.post("/reps/{rep_id}/outcomes/{outcome_id}/undo", response_class=HTMLResponse)
def undo_page(rep_id: str, outcome_id: int, request: Request, viewer: Viewer = Depends(current_viewer)):
    try:
        undo(request, viewer, rep_id, outcome_id, "dashboard")
    except Problem as problem:
        return _problem_page(request, viewer, problem)
    return _back(rep_id)


class OutcomeIn(BaseModel):
    outcome: Literal["done", "deferred"]
    deferred_until: dt.date | None = Field(None, description="The date a deferred action shows again: after today")
    reason: str | None = Field(None, max_length=2000)


@api_router.get("/reps/{rep_id}/actions", summary="The rep's next best actions shown today and those hidden "
                "(done, or deferred to a later date)")
def actions_api(rep_id: str, request: Request, viewer: Viewer = Depends(current_viewer)):
    if not rep_access(viewer, org_of(request), rep_id).view:
        deny(request, viewer, "view_rep", rep_id, "api actions")
    with request.app.state.published.cursor() as cur:
        today = queries.rep_today(cur, rep_id)
        found = queries.next_best_actions(cur, rep_id, queries.hidden_outcomes(request.app.state.store, rep_id, today))
    return jsonable_encoder({"today": today, "actions": found["shown"], "hidden": found["hidden"]})


@api_router.post("/reps/{rep_id}/actions/{opportunity_id}", summary="Mark one of your next best actions done or "
                 "deferred (the rep only; send the CSRF token header)")
def mark_api(rep_id: str, opportunity_id: str, body: OutcomeIn, request: Request,
             viewer: Viewer = Depends(current_viewer)):
    try:
        row = mark(request, viewer, rep_id, opportunity_id, body.outcome, body.deferred_until, body.reason, "api")
    except Problem as problem:
        return JSONResponse({"detail": str(problem)}, status_code=problem.status)
    return jsonable_encoder(outcome_json(row))


@api_router.post("/reps/{rep_id}/outcomes/{outcome_id}/undo", summary="Withdraw one of your outcomes: the action "
                 "shows again")
def undo_api(rep_id: str, outcome_id: int, request: Request, viewer: Viewer = Depends(current_viewer)):
    try:
        row = undo(request, viewer, rep_id, outcome_id, "api")
    except Problem as problem:
        return JSONResponse({"detail": str(problem)}, status_code=problem.status)
    return jsonable_encoder(outcome_json(row))
