"""An SLM resolving an escalation of coaching.escalations with a note (workbench contract:
"SLM ... resolve an escalation with a note").

The store already resolves the escalations a manager requested in the workbench
(requests.resolve_escalation, on the EscalationRequest row). What the pipeline raised itself
(persistence, attainment, bottom quartile, a `coaching escalate` typed at the command line)
had no place to be resolved: this module records those in escalation_resolution, checked
against the published facts and audited like every other write of the store.

Exactly once: one resolution per escalation. A second one is refused (audited), and the
unique escalation_id makes a race between two SLM tabs end the same way. An escalation that
came from a store request is resolved on that request (the page and the command line alike
come through `resolve_published_escalation`), so no escalation can carry two resolutions.

Nothing is copied to the warehouse: like a resolved escalation request, the resolution lives
in the store and the workbench reads it from there.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...db import utc_now
from .audit import as_json, audit, refuse
from .engine import Store
from .facts import Facts
from .models import EscalationRequest
from .requests import resolve_escalation
from .resolution_models import EscalationResolution

ACTION = "resolve_escalation"


def published_escalation(facts: Facts, escalation_id: str) -> dict | None:
    """The row of coaching.escalations in the published file, or None."""
    known = facts.con.execute("select count(*) from duckdb_tables() where schema_name = 'coaching' "
                              "and table_name = 'escalations'").fetchone()[0]
    if not known:
        return None
    cur = facts.con.execute("select escalation_id, rep_id, rule, manager_id, slm_id, escalated_by, escalated_at "
                            "from coaching.escalations where escalation_id = ?", [escalation_id])
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def request_key(rep_id: str | None, by: str | None, at: dt.datetime | None) -> tuple:
    """What ties a manual escalation of coaching.escalations to the store request it was
    applied from (apply.py writes rep_id, requested_by and requested_at unchanged)."""
    return (rep_id, by, at)


def request_of(store: Store, escalation: dict) -> EscalationRequest | None:
    """The store's escalation request this published escalation was applied from, if any."""
    if escalation.get("rule") != "manual" or not escalation.get("escalated_by"):
        return None
    with store.sessions() as session:
        return session.scalars(select(EscalationRequest).where(
            EscalationRequest.rep_id == escalation["rep_id"],
            EscalationRequest.requested_by == escalation["escalated_by"],
            EscalationRequest.requested_at == escalation["escalated_at"])).first()


def resolve_published_escalation(store: Store, facts: Facts, escalation_id: str, by: str, note: str, *,
                                 at: dt.datetime | None = None):
    """Resolve one escalation of the published file: the rep's SLM (their manager when they
    have no SLM, as for a request), with a note. Returns the row written (an
    EscalationResolution, or the EscalationRequest it came from)."""
    at = at or utc_now()
    target = f"escalation:{escalation_id}"
    if not note or not note.strip():
        refuse(store, by, ACTION, target, "resolving an escalation needs a note saying how")
    row = published_escalation(facts, escalation_id)
    if row is None:
        refuse(store, by, ACTION, target, f"unknown escalation {escalation_id!r}")
    request = request_of(store, row)
    if request is not None:  # one escalation, one resolution: on the request it came from
        return resolve_escalation(store, facts, request.id, by, note, at=at)
    rep = facts.rep(row["rep_id"])
    resolver = (rep.slm_id or rep.manager_id) if rep else (row["slm_id"] or row["manager_id"])
    if by != resolver:
        refuse(store, by, ACTION, target,
               f"{by} is not the second-line manager of rep {row['rep_id']} ({resolver or 'unknown'}); only they "
               "can resolve the escalation")
    done = resolutions(store, escalation_ids=[escalation_id]).get(escalation_id)
    if done is not None:
        refuse(store, by, ACTION, target, f"escalation {escalation_id} was already resolved by {done.resolved_by}")
    new = EscalationResolution(escalation_id=escalation_id, rep_id=row["rep_id"], resolved_by=by, resolved_at=at,
                               note=note.strip())
    try:
        with store.sessions.begin() as session:
            session.add(new)
            session.flush()
            audit(session, by, ACTION, target, after=as_json(new), at=at)
    except IntegrityError:  # another request resolved it between the check and this insert
        refuse(store, by, ACTION, target, f"escalation {escalation_id} was already resolved")
    return new


def resolutions(store: Store, *, escalation_ids: list[str] | None = None,
                rep_ids: list[str] | None = None) -> dict[str, EscalationResolution]:
    """escalation_id -> its resolution: all of them, or those of the escalations or reps given."""
    query = select(EscalationResolution)
    if escalation_ids is not None:
        query = query.where(EscalationResolution.escalation_id.in_(escalation_ids))
    if rep_ids is not None:
        query = query.where(EscalationResolution.rep_id.in_(rep_ids))
    with store.sessions() as session:
        return {r.escalation_id: r for r in session.scalars(query).all()}
