"""The digests' period and text helpers (coaching contract, "Monthly digests"): the month
rendered, and every number, amount, date and trend as the documents print it. Each value is
formatted once, by the document builders (rep_digest.py, documents.py), so the HTML and the
Markdown documents show the same text; templates only lay it out and escape it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..safe_paths import safe_slug
from . import defaults

# A link the digests print: http(s) only, no spaces or quotes (anything else is shown as text).
_URL_OK = re.compile(r"^https?://[^\s\"'<>]+$", re.I)


def safe_url(url) -> str | None:
    url = str(url or "")
    return url if _URL_OK.match(url) else None


@dataclass(frozen=True)
class Month:
    start: dt.date
    end: dt.date

    @classmethod
    def of(cls, day: dt.date | str) -> Month:
        if isinstance(day, str):
            day = dt.date.fromisoformat(day if len(day) > 7 else day + "-01")
        start = day.replace(day=1)
        return cls(start, start.replace(day=calendar.monthrange(start.year, start.month)[1]))

    @property
    def key(self) -> str:
        return self.start.strftime("%Y-%m")

    @property
    def label(self) -> str:
        return self.start.strftime("%B %Y")

    @property
    def previous(self) -> Month:
        return Month.of(self.start - dt.timedelta(days=1))


def pct(x: float | None, decimals: int = 0) -> str:
    return "n/a" if x is None else f"{x * 100:.{decimals}f}%"


def num(x: float | None, decimals: int = 1) -> str:
    return "n/a" if x is None else f"{x:,.{decimals}f}"


def money(x: Decimal | int | None) -> str:
    """An amount as the digests print it (1.25M, 87k, 4,350). Money arrives as an exact
    Decimal from the marts and is rounded half up here, once, for display only."""
    if x is None:
        return "n/a"
    value = Decimal(x)
    if abs(value) >= 1_000_000:
        return f"{(value / 1_000_000).quantize(Decimal('0.01'), ROUND_HALF_UP)}M"
    if abs(value) >= 10_000:
        return f"{(value / 1_000).quantize(Decimal('1'), ROUND_HALF_UP)}k"
    return f"{value.quantize(Decimal('1'), ROUND_HALF_UP):,}"


def day_text(d: dt.date | None) -> str:
    return "n/a" if d is None else f"{d.day} {d.strftime('%b %Y')}"


def deal_texts(row: dict) -> dict:
    """A deal's account and amount as printed. Salesforce allows a deal without either
    (landing-zone contract), which would print as an empty or 'None' account otherwise."""
    return {"account_name": row["account_name"] or "no account",
            "amount_text": "no amount" if row["amount"] is None else money(row["amount"])}


# one slug for the digests' file names and CSS classes (safe_paths keeps it path-safe)
slug = safe_slug


@dataclass(frozen=True)
class Trend:
    arrow: str   # ▲ ▼ ▶ or ''
    tone: str    # good | bad | flat | none
    text: str    # 'up from 42%'

    @staticmethod
    def of(now: float | None, before: float | None, fmt, lower_is_better: bool = False) -> Trend:
        if now is None or before is None:
            return Trend("", "none", "no earlier value")
        scale = max(abs(before), abs(now), 1e-9)
        if abs(now - before) / scale < defaults.FLAT_TREND_RELATIVE:
            return Trend("▶", "flat", f"flat (was {fmt(before)})")
        up = now > before
        good = up != lower_is_better
        return Trend("▲" if up else "▼", "good" if good else "bad", f"{'up' if up else 'down'} from {fmt(before)}")
