"""The workbench app factory. Routes are thin (pages.py, api.py): identity and CSRF come
from identity.py, who-sees-what from access.py, figures from queries.py; this module wires
them: the signed session cookie, the published file, the audit sink, and one answer for
every refusal (403, recorded) so a route cannot refuse without leaving a trace."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from ..coaching.approvals import ApprovalRefused
from ..coaching.role_catalogue import flagged_text
from ..digests import formatting
from .access import Org, Viewer, rep_access
from .audit import AuditSink, LoggingAuditSink
from .identity import CSRF_FIELD, CSRF_HEADER, Denied, NotSignedIn, csrf_guard, csrf_token, resolve_viewer
from .published import NotPublished, PublishedFile
from .queries import dashboard, load_org
from .runtime import WorkbenchSettings

log = logging.getLogger("coaching_pipeline.workbench")
HERE = Path(__file__).resolve().parent
# Each module has a `router` of pages (and may have an `api_router`, mounted under /api).
PAGE_MODULES = ("pages", "inbox", "actions", "team", "escalations", "archive", "admin", "api")


class _OrgCache:
    """The org of the published file, rebuilt only when a new file was published."""

    def __init__(self, published: PublishedFile):
        self.published = published
        self._lock = threading.Lock()
        self._entry: tuple[int, Org] | None = None

    def get(self) -> Org:
        gen = self.published.current_generation()
        with self._lock:
            if self._entry is None or self._entry[0] != gen:
                with self.published.cursor() as cur:
                    self._entry = (gen, load_org(cur))
            return self._entry[1]


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(settings: WorkbenchSettings, audit: AuditSink | None = None, store=None) -> FastAPI:
    """`store`: the decisions store (store.engine.Store); it is also the audit sink unless
    `audit` is given. Without it the pages that decide (the inbox) answer 503."""
    audit = audit or store or LoggingAuditSink()
    app = FastAPI(title="Coaching workbench", version="1", openapi_url="/api/openapi.json",
                  docs_url="/api/docs", redoc_url=None, dependencies=[Depends(csrf_guard)])
    app.state.settings = settings
    app.state.audit = audit
    app.state.store = store
    app.state.published = PublishedFile(settings.published)
    app.state.org = _OrgCache(app.state.published)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    # Starlette escapes only *.html/*.htm/*.xml names; ours are *.html.j2 and every one is
    # HTML holding CRM text, notes and names: escape all of it (markup passes only by |safe).
    templates.env.autoescape = True
    templates.env.globals.update(pct=formatting.pct, money=formatting.money, num=formatting.num,
                                 day_text=formatting.day_text, flagged_text=flagged_text, csrf_field=CSRF_FIELD,
                                 csrf_header=CSRF_HEADER)
    app.state.templates = templates
    # HttpOnly always (Starlette); SameSite=Lax; Secure when the app is reached over https.
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="coaching_session",
                       same_site="lax", https_only=settings.https_only, max_age=12 * 3600)

    @app.exception_handler(Denied)
    async def _denied(request: Request, exc: Denied):
        audit.record(exc.actor, exc.action, exc.target, False, exc.detail)
        if _is_api(request):
            return JSONResponse({"detail": "forbidden", "reason": exc.action}, status_code=exc.status)
        return render(request, "error.html.j2", {"title": "Not allowed",
                      "message": "You do not have access to this page."}, status=exc.status)

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, exc: NotSignedIn):
        if _is_api(request):
            return JSONResponse({"detail": "not signed in"}, status_code=401)
        if settings.auth == "dev":
            return RedirectResponse("/signin", status_code=303)
        return render(request, "error.html.j2", {"title": "Not signed in",
                      "message": "Sign in through your company's login, then reload."}, status=401)

    @app.exception_handler(NotPublished)
    async def _not_published(request: Request, exc: NotPublished):
        if _is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=503)
        return render(request, "error.html.j2", {"title": "No data yet", "message": str(exc)}, status=503)

    @app.exception_handler(ApprovalRefused)
    async def _refused(request: Request, exc: ApprovalRefused):
        # the store refused (and audited the refusal itself): the sentence, 403, no second record
        if _is_api(request):
            return JSONResponse({"detail": "refused", "reason": str(exc)}, status_code=403)
        return render(request, "error.html.j2", {"title": "Not done", "message": str(exc)}, status=403)

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    import importlib

    # the routers use the helpers below, so they are imported here, not at the top
    for name in PAGE_MODULES:
        module = importlib.import_module(f"{__package__}.{name}")
        app.include_router(module.router)
        if hasattr(module, "api_router"):  # the same data as JSON, under /api
            app.include_router(module.api_router, prefix="/api")
    return app


def org_of(request: Request) -> Org:
    return request.app.state.org.get()


def current_viewer(request: Request) -> Viewer:
    """Route dependency: the signed-in viewer, or NotSignedIn / Denied."""
    return resolve_viewer(request, org_of(request))


def deny(request: Request, viewer: Viewer | None, action: str, target: str | None, detail: str | None = None):
    raise Denied(action, target, detail, actor=viewer.actor if viewer else None)


def rep_dashboard_data(request: Request, viewer: Viewer, rep_id: str, quarter: str | None, via: str) -> dict | None:
    """One rep's dashboard for the page and the API alike: the access check first (a refusal
    names `via` in the audit), then the query on the published file."""
    org = org_of(request)
    access = rep_access(viewer, org, rep_id)
    if not access.view:
        deny(request, viewer, "view_rep", rep_id, via)
    with request.app.state.published.cursor() as cur:
        return dashboard(cur, org.people[rep_id], access, quarter, store=request.app.state.store, org=org)


def render(request: Request, name: str, context: dict, status: int = 200, viewer: Viewer | None = None):
    wb: WorkbenchSettings = request.app.state.settings
    ctx = {"viewer": viewer, "dev_mode": wb.auth == "dev", "csrf": csrf_token(request), **context}
    return request.app.state.templates.TemplateResponse(request, name, ctx, status_code=status)
