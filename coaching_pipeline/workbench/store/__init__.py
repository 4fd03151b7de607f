"""The decisions store of the coaching workbench (workbench contract, "Running it"): what
managers, reps and SLMs decide, kept in its own transactional database (SQLite by default,
PostgreSQL with COACHING_DATABASE_URL) because the web app must never write the DuckDB
warehouse the nightly run holds. The coaching step applies it to coaching_log (apply.py)."""

from .apply import ApplySummary, apply_pending
from .decisions import change_decision, decide, decision_history, unapplied_decisions, undo_decision
from .engine import Store, open_store
from .facts import Facts, NoPublishedFile, open_published
from .models import ActionOutcome, AuditEntry, Decision, EscalationRequest, Note
from .requests import (
    add_note,
    hidden_actions,
    notes,
    record_outcome,
    request_escalation,
    resolve_escalation,
    undo_outcome,
)

__all__ = [
    "ActionOutcome", "ApplySummary", "AuditEntry", "Decision", "EscalationRequest", "Facts", "NoPublishedFile",
    "Note", "Store", "add_note", "apply_pending", "change_decision", "decide", "decision_history",
    "hidden_actions", "notes", "open_published", "open_store", "record_outcome", "request_escalation",
    "resolve_escalation", "unapplied_decisions", "undo_decision", "undo_outcome",
]
