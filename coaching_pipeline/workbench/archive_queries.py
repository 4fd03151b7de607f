"""The digest archive's reads (workbench contract, "Pages" 5): the rendered months under
<output>/digests (digests/render.py: one folder YYYY-MM per month with its manifest.json), and
which of their documents a viewer may open.

Who may open a document, by its recipient and role in the manifest:
- everyone their own; an admin everything;
- a rep digest: the rep's manager and SLM (access.rep_access, as for the dashboard);
- a manager digest: the SLM of that manager's sellers;
- an SLM notice: its SLM only.
A rep therefore never sees another seller's digest, nor their name in the list.

Serving a document never takes a filesystem path from the URL: the URL names a month (a
strict YYYY-MM) and a path that must be listed, exactly, in that month's manifest; that path
is then checked to stay inside the month's folder with no symbolic link on the way, and
opened without following one (`read_document`). Plain functions of a folder: tested alone.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

from ..digests.formatting import Month
from .access import Org, Viewer, rep_access

MANIFEST = "manifest.json"
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
LABELS = {"rep_digest": "Rep digest", "manager_digest": "Manager digest", "slm_notice": "Escalation notice"}
ROLE_ORDER = {"slm": 0, "manager": 1, "rep": 2}
FORMATS = ("html", "md", "eml")
# Markdown as plain text, so a browser shows it instead of offering a download
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "md": "text/plain; charset=utf-8", "eml": "message/rfc822"}
MAX_BYTES = 20 * 1024 * 1024  # a digest is well under 1 MB; anything bigger is not one


class NotServed(Exception):
    """The document cannot be served (not listed, not a plain file inside the month): 404."""


def months(root: Path | None) -> list[str] | None:
    """The rendered months, newest first; None when the digests folder does not exist. A
    folder counts when its name is YYYY-MM (a render's hidden temporary one never does), it is
    no symbolic link, and it holds a manifest."""
    if root is None or not root.is_dir():
        return None
    found = [p.name for p in root.iterdir()
             if MONTH.fullmatch(p.name) and not p.is_symlink() and p.is_dir() and (p / MANIFEST).is_file()]
    return sorted(found, reverse=True)


def manifest(root: Path, month: str) -> list[dict] | None:
    """The documents a month's manifest lists, or None (no such month, unreadable manifest)."""
    if not MONTH.fullmatch(month):
        return None
    folder = root / month
    if folder.is_symlink() or not (folder / MANIFEST).is_file():
        return None
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    docs = data.get("documents") if isinstance(data, dict) else None
    return [d for d in docs if isinstance(d, dict) and isinstance(d.get("path"), str)] if isinstance(docs, list) else None


def may_open(viewer: Viewer, org: Org, doc: dict) -> bool:
    recipient, role = doc.get("recipient_id"), doc.get("role")
    if "admin" in viewer.roles:
        return True
    if not viewer.user_id or not recipient:
        return False
    if recipient == viewer.user_id:
        return True
    if role == "rep":
        return rep_access(viewer, org, recipient).view
    if role == "manager":
        return any(s.manager_id == recipient and s.slm_id == viewer.user_id for s in org.sellers())
    return False


def month_documents(docs: list[dict], viewer: Viewer, org: Org) -> list[dict]:
    """The documents of one month the viewer may open, one entry per recipient and document
    with its formats: the viewer's own first, then SLM, manager and rep documents by name."""
    entries: dict[tuple, dict] = {}
    for d in docs:
        if d.get("format") not in FORMATS or not may_open(viewer, org, d):
            continue
        key = (d.get("recipient_id"), d.get("document"))
        entry = entries.setdefault(key, {
            "recipient_id": d.get("recipient_id"), "recipient_name": d.get("recipient_name") or d.get("recipient_id"),
            "document": d.get("document"), "label": LABELS.get(d.get("document"), d.get("document") or "Document"),
            "role": d.get("role"), "own": d.get("recipient_id") == viewer.user_id, "formats": {}})
        entry["formats"][d["format"]] = d["path"]
    return sorted(entries.values(), key=lambda e: (not e["own"], ROLE_ORDER.get(e["role"], 9),
                                                   (e["recipient_name"] or "").lower(), e["recipient_id"] or ""))


def archive(root: Path | None, viewer: Viewer, org: Org, month: str | None = None) -> dict:
    """The archive as the page and the API show it. `state`: no_folder (nothing rendered
    here yet), no_month (the folder has no month), nothing_for_you, or ok. `month` (the
    digests' own link, ?month=YYYY-MM) keeps only that month."""
    found = months(root)
    if found is None:
        return {"state": "no_folder", "months": [], "month": None}
    if not found:
        return {"state": "no_month", "months": [], "month": None}
    chosen = month if month in found else None
    out = []
    for key in ([chosen] if chosen else found):
        docs = month_documents(manifest(root, key) or [], viewer, org)
        if docs:
            out.append({"month": key, "label": Month.of(key).label, "documents": docs})
    return {"state": "ok" if out else "nothing_for_you", "months": out, "month": chosen}


def listed(root: Path | None, month: str, path: str) -> dict | None:
    """The manifest entry of exactly this path in this month, or None."""
    if root is None:
        return None
    docs = manifest(root, month)
    return next((d for d in docs or [] if d["path"] == path and d.get("format") in FORMATS), None)


def read_document(root: Path, month: str, rel: str) -> bytes:
    """The bytes of a listed document. Refused (NotServed) unless `rel` is a relative path of
    plain names, every step from the month's folder down is a real directory (no symbolic
    link), and the file is a regular file, opened without following a link."""
    parts = rel.split("/")
    if rel.startswith("/") or "\\" in rel or "\x00" in rel or any(p in ("", ".", "..") for p in parts):
        raise NotServed(f"not a plain relative path: {rel!r}")
    folder = current = root / month
    for step in range(len(parts)):  # the month's folder, then each folder below it
        if current.is_symlink() or not current.is_dir():
            raise NotServed(f"{current} is not a plain folder")
        current = current / parts[step]
    target = current
    if not target.resolve().is_relative_to(folder.resolve()):
        raise NotServed(f"{rel!r} leaves the month's folder")
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise NotServed(f"cannot open {rel!r}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            raise NotServed(f"{rel!r} is not a digest file")
        return f.read()
