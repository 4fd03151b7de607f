"""The tables of the decisions store (workbench contract, "Running it"): what managers, reps
and SLMs decide in the workbench or through `coaching approvals` / `coaching escalate`, kept
apart from the DuckDB warehouse because the warehouse allows one writer and the nightly run
holds it. The coaching step copies what is new into the warehouse (apply.py).

Times are naive UTC datetimes (as the warehouse stores them), so SQLite and PostgreSQL
round-trip the same values. Rows are never deleted: undoing sets undone_at, a later decision
links the earlier one through superseded_by, so the history keeps both.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DECISIONS = ("approved", "modified", "dismissed")
OUTCOMES = ("done", "deferred")


class Base(DeclarativeBase):
    pass


class StoreIdentity(Base):
    """One row: a random id given to this store when it was created. The warehouse records
    applied rows by (store_uuid, kind, id), so a new store whose ids restart at 1 is never
    mistaken for the old one's rows already applied."""

    __tablename__ = "store_identity"

    store_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)  # uuid4, set by the first migration
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)  # when the store was created (UTC)


class Decision(Base):
    """A manager's (or SLM's) decision on one coaching event of coaching.coaching_log."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coaching_id: Mapped[str] = mapped_column(String(64), index=True)  # coaching_log.coaching_id decided on
    rep_id: Mapped[str] = mapped_column(String(64), index=True)  # the event's seller (CRM User Id)
    decision: Mapped[str] = mapped_column(String(16))  # approved | modified | dismissed
    action_text: Mapped[str | None] = mapped_column(Text)  # what the rep will see; null when dismissed
    note: Mapped[str | None] = mapped_column(Text)  # the reason given for a dismissal
    decided_by: Mapped[str] = mapped_column(String(64))  # User Id of the decider
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime)  # when it was decided (UTC)
    # the later decision that replaced this one (a change before it was applied, or a
    # supersede after); null while it is the event's latest
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # withdrawn before it was applied (UTC)
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # copied into coaching_log (UTC)
    # The event's coaching_id while this decision is in force (neither undone nor superseded),
    # else null. Unique (migration 0003): two deciders racing on one event cannot both put a
    # decision in force; the second write fails and is refused (decisions.raced).
    live_key: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("decision_live_once", "live_key", unique=True),)


class EscalationRequest(Base):
    """A manager's on-demand escalation of a rep to the SLM, with the note saying why."""

    __tablename__ = "escalation_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rep_id: Mapped[str] = mapped_column(String(64), index=True)  # the seller escalated
    requested_by: Mapped[str] = mapped_column(String(64))  # User Id of the escalating manager
    note: Mapped[str] = mapped_column(Text)  # why
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime)  # when (UTC); dates the escalation
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # written to coaching.escalations (UTC)
    resolved_by: Mapped[str | None] = mapped_column(String(64))  # the SLM who resolved it
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # when it was resolved (UTC)
    resolution_note: Mapped[str | None] = mapped_column(Text)  # the SLM's note on resolving it


class Note(Base):
    """A coaching note a manager or SLM keeps on a rep (never shown to the rep)."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rep_id: Mapped[str] = mapped_column(String(64), index=True)  # the seller the note is about
    author: Mapped[str] = mapped_column(String(64))  # User Id of who wrote it
    text: Mapped[str] = mapped_column(Text)  # the note
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)  # when it was written (UTC)


class ActionOutcome(Base):
    """What a rep did with one of their next best actions (marts.next_best_actions)."""

    __tablename__ = "action_outcome"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[str] = mapped_column(String(64), index=True)  # the deal the action is about
    rep_id: Mapped[str] = mapped_column(String(64), index=True)  # the seller owning the action
    outcome: Mapped[str] = mapped_column(String(16))  # done | deferred
    deferred_until: Mapped[dt.date | None] = mapped_column(Date)  # hidden until this date; deferred only
    reason: Mapped[str | None] = mapped_column(Text)  # the rep's reason
    decided_by: Mapped[str] = mapped_column(String(64))  # User Id of who marked it
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime)  # when (UTC)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # withdrawn, or replaced by a later outcome


class AuditEntry(Base):
    """Every change and every refusal, in the store or the web app: who, what, when, before, after."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)  # when (UTC)
    actor: Mapped[str | None] = mapped_column(String(320))  # User Id (or claimed email); null if anonymous
    action: Mapped[str] = mapped_column(String(64))  # what was asked: decide, undo_decision, add_note, ...
    target: Mapped[str | None] = mapped_column(String(128))  # the event, rep, opportunity or row asked about
    allowed: Mapped[bool] = mapped_column(Boolean)  # false: refused, nothing else changed
    before: Mapped[str | None] = mapped_column(Text)  # JSON of the row before the change; null if new
    after: Mapped[str | None] = mapped_column(Text)  # JSON of the row after the change; null if refused
    detail: Mapped[str | None] = mapped_column(Text)  # the refusal's sentence, or other context
