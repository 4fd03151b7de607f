"""The team view (/team) and its JSON twin (/api/team): the viewer's team, or one manager's
team of it (?manager=<id>), checked against the org of the published file before anything is
read (team_queries.scope_for); a refusal is Denied (403, audited by the app). The figures and
charts come from team_queries, so the page and the API show the same numbers."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse

from . import team_queries
from .access import Viewer
from .app import current_viewer, deny, org_of, render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["workbench"])


def team_data(request: Request, viewer: Viewer, manager: str | None, via: str) -> dict:
    """The access check first (a refusal names `via` and the reason in the audit), then the reads."""
    org = org_of(request)
    try:
        scope = team_queries.scope_for(viewer, org, manager or None)
    except team_queries.NotYours as refused:
        deny(request, viewer, "view_team", manager or None, f"{via}: {refused}")
    with request.app.state.published.cursor() as cur:
        return team_queries.team_view(cur, org, scope)


@router.get("/team", response_class=HTMLResponse)
def team_page(request: Request, manager: str | None = None, viewer: Viewer = Depends(current_viewer)):
    data = team_data(request, viewer, manager, "team page")
    return render(request, "team.html.j2", {"d": data, "charts": team_queries.team_charts(data)}, viewer=viewer)


@api_router.get("/team", summary="The team view: attainment and skill distributions, risk quadrant, "
                "this month's daily flags and escalations, at-risk deals")
def team_api(request: Request, manager: str | None = None, viewer: Viewer = Depends(current_viewer)):
    return jsonable_encoder(team_data(request, viewer, manager, "team api"))
