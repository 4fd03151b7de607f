"""The table of an SLM's resolution of an escalation the pipeline raised (a row of
coaching.escalations: persistence, attainment, bottom quartile, or a `coaching escalate` from
the command line). Kept beside models.py, on the same Base, so the first tables stay as they
were; the migration 0002 creates it.

An escalation a manager requested in the workbench (EscalationRequest) keeps its resolution
on its own row (resolved_by / resolved_at / resolution_note): resolutions.py sends those
there, so each escalation has exactly one place its resolution can live."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class EscalationResolution(Base):
    """An SLM closing one escalation of coaching.escalations with a note. One row per
    escalation at most (unique escalation_id): resolving twice is refused, never recorded twice."""

    __tablename__ = "escalation_resolution"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[str] = mapped_column(String(64), unique=True)  # coaching.escalations.escalation_id
    rep_id: Mapped[str] = mapped_column(String(64), index=True)  # the escalation's seller, read from the data
    resolved_by: Mapped[str] = mapped_column(String(64))  # User Id of the SLM who resolved it
    resolved_at: Mapped[dt.datetime] = mapped_column(DateTime)  # when (UTC)
    note: Mapped[str] = mapped_column(Text)  # how it was resolved
