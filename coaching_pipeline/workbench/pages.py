"""The server-rendered pages. Each reads the viewer, asks access.py, then queries.py; no rule
lives here. Dev sign-in is the only page that changes the session's identity."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .access import Viewer, home_path, visible_reps
from .app import current_viewer, deny, org_of, render, rep_dashboard_data

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(viewer: Viewer = Depends(current_viewer)):
    return RedirectResponse(home_path(viewer), status_code=303)


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request):
    wb = request.app.state.settings
    if wb.auth != "dev":
        return RedirectResponse("/", status_code=303)
    org = org_of(request)
    people = sorted(org.people.values(), key=lambda p: (not _leads(org, p.user_id), p.name))
    return render(request, "signin.html.j2", {"people": people, "admins": [a for a in wb.admins if "@" in a],
                                              "leads": {p.user_id for p in people if _leads(org, p.user_id)}})


def _leads(org, user_id: str) -> bool:
    return any(s.manager_id == user_id or s.slm_id == user_id for s in org.sellers())


@router.post("/signin")
def signin(request: Request, user_id: str = Form("")):
    wb = request.app.state.settings
    if wb.auth != "dev":
        deny(request, None, "dev_sign_in", user_id, "dev sign-in is off (COACHING_AUTH=proxy)")
    org = org_of(request)
    request.session.pop("uid", None)
    request.session.pop("admin_email", None)
    if user_id in org.people:
        request.session["uid"] = user_id
    elif user_id.lower() in {a.lower() for a in wb.admins}:
        request.session["admin_email"] = user_id
    else:
        deny(request, None, "dev_sign_in", user_id, "no such user")
    request.app.state.audit.record(user_id, "sign_in", None, True, "dev sign-in")
    return RedirectResponse("/", status_code=303)


@router.post("/signout")
def signout(request: Request):
    request.session.clear()
    return RedirectResponse("/signin" if request.app.state.settings.auth == "dev" else "/", status_code=303)


@router.get("/reps", response_class=HTMLResponse)
def reps(request: Request, viewer: Viewer = Depends(current_viewer)):
    people = visible_reps(viewer, org_of(request))
    if viewer.roles == frozenset({"rep"}):
        return RedirectResponse(f"/reps/{viewer.user_id}", status_code=303)
    return render(request, "reps.html.j2", {"reps": people}, viewer=viewer)


@router.get("/reps/{rep_id}", response_class=HTMLResponse)
def rep_dashboard(rep_id: str, request: Request, quarter: str | None = None,
                  viewer: Viewer = Depends(current_viewer)):
    data = rep_dashboard_data(request, viewer, rep_id, quarter, "dashboard page")
    org = org_of(request)
    return render(request, "dashboard.html.j2", {"d": data, "rep": org.people[rep_id],
                                                 "reps": visible_reps(viewer, org)}, viewer=viewer)
