"""The digest archive (/digests, workbench contract "Pages" 5): the viewer's own digests by
month, and those of the people under them (a manager's reps, an SLM's org; an admin every
document), opened as they were rendered.

A document is served at /digests/{month}/{path} only when that exact path is listed in the
month's manifest and the viewer may open it (archive_queries.may_open; someone else's: 403,
audited); the file is read by archive_queries.read_document, which never follows a link nor
leaves the month's folder. The HTML keeps its inline SVG charts and inline CSS; it is served
under a Content-Security-Policy that loads nothing from the network and runs no script, in a
sandbox, so a digest can neither call out nor act as the signed-in viewer."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from . import archive_queries as q
from .access import Viewer
from .app import current_viewer, deny, org_of, render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["workbench"])

# default-src 'none' blocks every fetch (images, fonts, frames, connect); only inline styles
# and data: images remain. The sandbox gives the page an opaque origin and no script.
DOCUMENT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                "form-action 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox")
DOCUMENT_HEADERS = {"Content-Security-Policy": DOCUMENT_CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "Cache-Control": "private, no-store"}


def _root(request: Request):
    return request.app.state.settings.digests


@router.get("/digests", response_class=HTMLResponse)
def digests_page(request: Request, month: str | None = None, viewer: Viewer = Depends(current_viewer)):
    data = q.archive(_root(request), viewer, org_of(request), month)
    return render(request, "digests.html.j2", data, viewer=viewer)


@api_router.get("/digests", summary="The rendered digests the signed-in user may open, by month, newest first")
def digests_api(request: Request, month: str | None = None, viewer: Viewer = Depends(current_viewer)):
    data = q.archive(_root(request), viewer, org_of(request), month)
    for m in data["months"]:
        for d in m["documents"]:
            d["urls"] = {fmt: f"/digests/{m['month']}/{path}" for fmt, path in d["formats"].items()}
    return data


@router.get("/digests/{month}/{path:path}")
def digest_document(request: Request, month: str, path: str, viewer: Viewer = Depends(current_viewer)):
    root = _root(request)
    doc = q.listed(root, month, path) if q.MONTH.fullmatch(month) else None
    if doc is None:
        return _not_found(request, viewer)
    if not q.may_open(viewer, org_of(request), doc):
        deny(request, viewer, "open_digest", f"{month}/{path}", "a digest of someone the viewer does not lead")
    try:
        body = q.read_document(root, month, doc["path"])
    except q.NotServed:
        return _not_found(request, viewer)
    headers = dict(DOCUMENT_HEADERS)
    if doc["format"] == "eml":
        name = re.sub(r"[^A-Za-z0-9._-]", "_", path.rsplit("/", 1)[-1])
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(body, media_type=q.MEDIA_TYPES[doc["format"]], headers=headers)


def _not_found(request: Request, viewer: Viewer):
    return render(request, "error.html.j2", {"title": "No such digest",
                  "message": "This digest is not in the archive."}, status=404, viewer=viewer)
