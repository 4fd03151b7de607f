"""The SLM view (/escalations, workbench contract "Pages" 4): each escalation of the org under
the viewer with its weekly history, owner and status, a roll-up by manager, and resolving one
with a note (a plain form post with the CSRF field).

Who: an SLM sees the escalations of the sellers whose slm_id they are, an admin all of them
(read only); a manager who is not an SLM, and a rep, are refused (403, audited). A resolve
post names an escalation only: its rep is read from the published file (or the store, for a
request not published yet) and must be under the viewer, re-checked here and again by the
store's function, which also audits its own refusals (ApprovalRefused: 403 with its sentence).
The figures come from escalations_queries.py; these routes only wire them."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, RedirectResponse

from ..db import utc_now
from . import escalations_queries as q
from .access import Viewer
from .app import current_viewer, deny, org_of, render
from .store import requests as store_requests
from .store import resolutions as store_resolutions
from .store.facts import Facts

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["workbench"])
_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _require_view(request: Request, viewer: Viewer, via: str) -> None:
    if not q.may_view(viewer):
        deny(request, viewer, "view_escalations", None, f"{via}: the escalations are for second-line managers")


def _today() -> dt.date:
    return utc_now().date()


def _data(request: Request, viewer: Viewer, status: str, manager: str | None, page: str) -> dict:
    """The view for the query string as given: an unknown status, manager or page falls back
    to the default (open, all managers, the first or last page), never to an error."""
    with request.app.state.published.cursor() as cur:
        return q.view(cur, request.app.state.store, org_of(request), viewer, today=_today(), status=status,
                      manager=manager, page=_page(page))


@router.get("/escalations", response_class=HTMLResponse)
def escalations_page(request: Request, status: str = "open", manager: str | None = None, page: str = "1",
                     viewer: Viewer = Depends(current_viewer)):
    _require_view(request, viewer, "page")
    data = _data(request, viewer, status, manager, page)
    org, has_store = org_of(request), request.app.state.store is not None
    for item in data["items"]:
        item["may_resolve"] = has_store and item["status"] == "open" and q.may_resolve(viewer, org, item["rep_id"])
    return render(request, "escalations.html.j2", {
        **data, "read_only": not (viewer.user_id and "slm" in viewer.roles), "has_store": has_store,
        "statuses": q.STATUSES,
        "page_url": lambda n: "/escalations?" + urlencode(_filters(data["status"], data["manager"], n)),
    }, viewer=viewer)


@api_router.get("/escalations", summary="The escalations the signed-in SLM follows, and the roll-up by manager")
def escalations_api(request: Request, status: str = "open", manager: str | None = None, page: str = "1",
                    viewer: Viewer = Depends(current_viewer)):
    _require_view(request, viewer, "api")
    return jsonable_encoder(_data(request, viewer, status, manager, page))


@router.post("/escalations/resolve")
def resolve(request: Request, escalation: str = Form(""), note: str = Form(""), status: str = Form("open"),
            manager: str = Form(""), page: str = Form("1"), viewer: Viewer = Depends(current_viewer)):
    """Resolve one escalation with a note: only the SLM of its rep, by the data."""
    if not (viewer.user_id and "slm" in viewer.roles):  # an admin reads only; a manager or rep is no SLM
        deny(request, viewer, "resolve_escalation", escalation or None, "only a second-line manager resolves escalations")
    store = request.app.state.store
    if store is None:
        return _problem(request, viewer, "No decisions store is configured: a resolution cannot be recorded.", 503)
    org = org_of(request)
    with request.app.state.published.cursor() as cur:
        target = q.resolve_target(cur, store, escalation.strip())
        if target is None or not q.may_resolve(viewer, org, target[2]):
            deny(request, viewer, "resolve_escalation", escalation or None,
                 "not an escalation of a rep under this second-line manager")
        if not note.strip():
            return _problem(request, viewer, "Resolving an escalation needs a note saying how.")
        kind, ident, _rep = target
        if kind == "request":
            store_requests.resolve_escalation(store, Facts(cur), int(ident), viewer.user_id, note)
        else:
            store_resolutions.resolve_published_escalation(store, Facts(cur), str(ident), viewer.user_id, note)
    back = urlencode(_filters(status, manager if _PLAIN_ID.fullmatch(manager) else None, _page(page)))
    anchor = f"{q.REQUEST_PREFIX}{ident}" if kind == "request" else ident
    return RedirectResponse(f"/escalations?{back}#esc-{anchor}", status_code=303)


def _page(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 7 else 1


def _filters(status: str, manager: str | None, page: int) -> dict:
    """The page's query string, from checked values only (a redirect never echoes raw form text)."""
    out = {"status": status if status in q.STATUSES else "open"}
    if manager:
        out["manager"] = manager
    if page > 1:
        out["page"] = str(page)
    return out


def _problem(request: Request, viewer: Viewer, message: str, status: int = 400):
    return render(request, "error.html.j2", {"title": "Not done", "message": message}, status=status, viewer=viewer)
