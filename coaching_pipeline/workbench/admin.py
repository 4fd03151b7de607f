"""The admin data-quality and run-status page (/admin) and its JSON twin (/api/admin): the
last publication, what the latest load brought in or rejected, the quarantined rows, stale
sources and the decisions store's state (admin_queries.py). Admins only (settings
`workbench.admins`); anyone else gets the app's 403, audited. Read only: nothing here
writes, so the page has no form and needs no CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse

from ..db import utc_now
from . import admin_queries
from .access import Viewer
from .app import current_viewer, deny, render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["workbench"])


def _overview(request: Request, viewer: Viewer, via: str) -> dict:
    if "admin" not in viewer.roles:
        deny(request, viewer, "view_admin", None, f"{via}: the data and runs page is for admins (workbench.admins)")
    with request.app.state.published.cursor() as cur:
        return admin_queries.overview(cur, request.app.state.store, utc_now(), admin_queries.dagster_url())


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, viewer: Viewer = Depends(current_viewer)):
    data = _overview(request, viewer, "admin page")
    return render(request, "admin.html.j2", {"a": data, "when": admin_queries.when_text,
                                             "ago": lambda v: admin_queries.ago_text(v, data["now"]),
                                             "files_shown": admin_queries.FILES_SHOWN}, viewer=viewer)


@api_router.get("/admin", summary="Data quality and run status: publication, loads, quarantine, decisions store")
def admin_api(request: Request, viewer: Viewer = Depends(current_viewer)):
    return jsonable_encoder(_overview(request, viewer, "api admin"))
