"""Who is asking, and whether a state-changing request carries its CSRF token. The routes
depend on `current_viewer`; a refusal raises Denied, which the app answers with 403 and
writes to the audit sink (app.py), so no route can forget either.

Proxy mode: the email comes from the configured header, and only when the TCP peer is one of
the trusted proxies; a header from anywhere else is a forgery (403, audited), not a sign-in.
Dev mode: the user id chosen on the sign-in page, kept in the signed session cookie.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from .access import Org, Viewer, viewer_for

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


class Denied(Exception):
    """A request refused: 403 (or `status`) and one audit record."""

    def __init__(self, action: str, target: str | None = None, detail: str | None = None,
                 actor: str | None = None, status: int = 403):
        super().__init__(detail or action)
        self.action, self.target, self.detail, self.actor, self.status = action, target, detail, actor, status


class NotSignedIn(Exception):
    """No identity yet: pages go to the sign-in page (dev), the API answers 401."""


def csrf_token(request: Request) -> str:
    """The session's token, created on first use; every form and htmx request sends it back."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def session_actor(request: Request) -> str | None:
    return request.session.get("uid") or request.session.get("admin_email")


async def csrf_guard(request: Request) -> None:
    """App-wide dependency: any POST/PUT/PATCH/DELETE without the session's token is refused
    (before the route runs, whatever the route)."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get(CSRF_FIELD)
    expected = request.session.get("csrf")
    if not (expected and isinstance(sent, str) and hmac.compare_digest(sent, expected)):
        actor = session_actor(request) or _claimed_email(request)
        raise Denied("csrf", request.url.path, f"{request.method} without a valid CSRF token", actor=actor)


def _claimed_email(request: Request) -> str | None:
    wb = request.app.state.settings
    return request.headers.get(wb.proxy_header) if wb.auth == "proxy" else None


def resolve_viewer(request: Request, org: Org) -> Viewer:
    wb = request.app.state.settings
    if wb.auth == "proxy":
        email = (request.headers.get(wb.proxy_header) or "").strip()
        peer = request.client.host if request.client else None
        if email and not wb.trusts(peer):
            raise Denied("proxy_identity", None, f"{wb.proxy_header} header from untrusted address {peer}",
                         actor=email)
        if not email:
            raise NotSignedIn()
        viewer = viewer_for(org, wb.admins, email=email)
        if viewer is None:
            raise Denied("sign_in", None, "no user or admin has this email", actor=email)
        return viewer
    uid, admin_email = request.session.get("uid"), request.session.get("admin_email")
    viewer = viewer_for(org, wb.admins, user_id=uid) if uid else (
        viewer_for(org, wb.admins, email=admin_email) if admin_email else None)
    if viewer is None:
        request.session.pop("uid", None)
        request.session.pop("admin_email", None)
        raise NotSignedIn()
    return viewer
