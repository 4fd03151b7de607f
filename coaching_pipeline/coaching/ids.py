"""The ids of the coaching state: hashes of what identifies a row, so a replay of the same
assessments gives the same ids whatever the order or the day it runs."""

from __future__ import annotations

import datetime as dt
import hashlib


def short_hash(prefix: str, *parts: object) -> str:
    """prefix + the first 12 hex digits of md5 of the parts joined by '|' (None -> '')."""
    text = "|".join("" if p is None else (p.isoformat() if isinstance(p, dt.date) else str(p)) for p in parts)
    return prefix + hashlib.md5(text.encode()).hexdigest()[:12]


def coaching_id(rep_id: str, pattern_key: str, opened_on: dt.date) -> str:
    return short_hash("C", rep_id, pattern_key, opened_on)


def escalation_id(rule: str, rep_id: str, pattern_key: str | None, escalation_date: dt.date) -> str:
    return short_hash("E", rule, rep_id, pattern_key, escalation_date)


def flag_id(rep_id: str, rule: str, flag_week: dt.date, opportunity_id: str | None) -> str:
    return short_hash("F", rep_id, rule, flag_week, opportunity_id)
