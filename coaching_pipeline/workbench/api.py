"""The JSON API (`/api/...`, OpenAPI at /api/openapi.json): the same figures as the pages,
through the same access functions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder

from .access import Viewer, visible_reps
from .app import current_viewer, org_of, rep_dashboard_data

router = APIRouter(include_in_schema=False)  # no pages here
api_router = APIRouter(tags=["workbench"])


@api_router.get("/me", summary="The signed-in user, their roles and the reps they may see")
def me(request: Request, viewer: Viewer = Depends(current_viewer)):
    org = org_of(request)
    return {"user_id": viewer.user_id, "name": viewer.name, "email": viewer.email, "roles": sorted(viewer.roles),
            "reps": [{"rep_id": p.user_id, "name": p.name} for p in visible_reps(viewer, org)]}


@api_router.get("/reps", summary="The reps whose dashboards the signed-in user may open")
def reps(request: Request, viewer: Viewer = Depends(current_viewer)):
    return [{"rep_id": p.user_id, "name": p.name, "role": p.role} for p in visible_reps(viewer, org_of(request))]


@api_router.get("/reps/{rep_id}/dashboard", summary="One rep's dashboard (KPIs, drivers, pipeline, actions, insights)")
def rep_dashboard(rep_id: str, request: Request, quarter: str | None = None,
                  viewer: Viewer = Depends(current_viewer)):
    data = rep_dashboard_data(request, viewer, rep_id, quarter, "api dashboard")
    if data is None:
        return {"rep": {"rep_id": rep_id, "name": org_of(request).people[rep_id].name}, "quarter": None}
    data["drivers"].pop("svg")  # markup is for the page; the API carries the numbers
    (data.get("activity") or {}).pop("charts", None)
    return jsonable_encoder(data)
