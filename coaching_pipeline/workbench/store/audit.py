"""Writing the store's audit log: every change (with the row before and after, as JSON) and
every refusal (with its sentence)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from ...coaching.approvals import ApprovalRefused
from ...db import utc_now
from .models import AuditEntry


def as_json(row) -> str | None:
    """A mapped row's columns as JSON (dates ISO), or None."""
    if row is None:
        return None
    values = {c.key: getattr(row, c.key) for c in inspect(row).mapper.column_attrs}
    return json.dumps(values, default=lambda v: v.isoformat() if isinstance(v, dt.date | dt.datetime) else str(v),
                      sort_keys=True)


def audit(session: Session, actor, action: str, target, *, allowed: bool = True, before: str | None = None,
          after: str | None = None, detail: str | None = None, at: dt.datetime | None = None) -> AuditEntry:
    entry = AuditEntry(at=at or utc_now(), actor=actor, action=action, target=target, allowed=allowed,
                       before=before, after=after, detail=detail)
    session.add(entry)
    return entry


def refuse(store, actor, action: str, target, message: str, error: type[ApprovalRefused] = ApprovalRefused):
    """Audit the refusal in its own transaction, then raise it: nothing else is written."""
    with store.sessions.begin() as session:
        audit(session, actor, action, target, allowed=False, detail=message)
    raise error(message)
