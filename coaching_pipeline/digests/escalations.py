"""The month's escalations as the manager digest and the SLM notice print them (coaching
contract, "Monthly digests"): the rule, who it went to, its subject, its history and the
manager's decision on it (decisions.py). Formatted once here for every document that lists
them; the rows are read by month_data.read_escalations.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import duckdb

from ..coaching.role_catalogue import pattern_subject
from . import decisions
from .formatting import day_text, num, pct

RULE_LABELS = {
    "persistence": "Pattern persisted 3 weeks",
    "attainment": "Attainment at risk",
    "bottom_quartile": "Bottom quartile 30+ days",
    "manual": "Manager escalation",
    "large_deal_red": "Large deal fell to red",
    "book_tier_drop": "Over half the book dropped a health tier",
}


def rule_label(rule: str, pattern_key: str | None = None) -> str:
    """An escalation rule as a manager reads it; a role pattern's clock counts months."""
    if rule == "persistence" and (pattern_key or "").startswith("metric:"):
        return "Pattern persisted 3 months"
    return RULE_LABELS.get(rule, rule)


ESCALATED_TO = {"slm": "second-line manager", "manager": "manager", "manager_and_slm": "manager and second-line manager"}


def history_rows(text: str | None) -> list[dict]:
    """An escalation's history (JSON, one item per assessment) as printed lines."""
    try:
        items = json.loads(text or "[]")
    except ValueError:
        return []
    out = []
    for h in items if isinstance(items, list) else []:
        day = h.get("assessment_date")
        value = h.get("metric_value", h.get("overall_score", h.get("attainment")))
        kind = "attainment" if "attainment" in h else "score"
        out.append({
            "date": day_text(dt.date.fromisoformat(day)) if day else "n/a",
            "value": (pct(value, 1) if kind == "attainment" else num(value)) if value is not None else "n/a",
            "week": h.get("clock_week"),
            "note": "; ".join(filter(None, [
                "clock restarted (10% better)" if h.get("clock_reset") else None,
                "escalated" if h.get("escalated") else None,
                "not flagged" if h.get("flagged") is False else None,
                f"{h['days_left']} days left" if h.get("days_left") is not None else None,
                f"percentile {h['cohort_percentile']:.0f}" if h.get("cohort_percentile") is not None else None,
            ])),
        })
    return out


def escalation_rows(con: duckdb.DuckDBPyConnection, rows: list[dict], as_of: dt.date,
                    name: Callable[[str | None], str]) -> list[dict]:
    """The rows of coaching.escalations with their printed texts, in the rows' order; `name`
    gives a user's display name. The manager's decision is as of `as_of`."""
    decided = decisions.decision_texts(con, rows, as_of, name)
    out = []
    for r in rows:
        out.append({
            **r, "rep_name": name(r["rep_id"]), "manager_name": name(r["manager_id"]),
            "date": day_text(r["escalation_date"]), "rule_label": rule_label(r["rule"], r["pattern_key"]),
            "to": ESCALATED_TO.get(r["escalated_to"], r["escalated_to"]),
            "subject": pattern_subject(r["pattern_key"]) or RULE_LABELS.get(r["rule"], r["rule"]),
            "history_rows": history_rows(r["history"]), "decision": decided[r["escalation_id"]],
            "escalated_by_name": name(r["escalated_by"]) if r["escalated_by"] else None,
        })
    return out
