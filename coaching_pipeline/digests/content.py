"""What each digest of a month says, read from the warehouse (coaching contract, "Monthly
digests"). Pure data: every number is formatted here once, so the HTML and the Markdown
documents show the same text; templates only lay it out and escape it.

Periods. The month rendered is [start, end]. The marts hold one as_of (the warehouse's
intermediate.int_as_of), so:
- quarter figures (attainment, win rate... and the team / Top 25% benchmarks) are
  rep_performance's row of the fiscal quarter containing min(month end, as_of), i.e. quarter
  to date as of the run; trend arrows compare with the previous quarter;
- the skill table is the seller's last weekly assessment dated in the month, compared with the
  last one dated before it ("last month");
- activities, calls, escalations and daily flags are those dated in the month;
- focus areas are approved or modified coaching events open at the month's end; next best
  actions, pending approvals, at-risk deals and the hygiene list are the current ones (as of
  the run); deals more than 90 days past their close date are hygiene (hygiene.py): out of
  the next best actions and the at-risk deals, in the manager's hygiene list.

Guardrails of the rep digest: it is built from the rep's own rows only, plus group means that
at least MIN_PEERS_IN_BENCHMARK other sellers contribute to; it never holds another seller's
name, and it only holds recommendations a manager approved or modified.
"""

from __future__ import annotations

import calendar
import collections
import datetime as dt
import json
import math
import re
import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb

from ..coaching import state
from ..coaching.rules import SKILL_LABELS, format_target, format_value
from ..coaching.skills import band_score
from ..config import SKILLS, Settings, settings
from ..safe_paths import safe_slug
from . import decisions, defaults, hygiene

SKILL_ROWS = (*SKILLS, "overall")
LEVEL_ORDER = ("Expert", "Proficient", "Developing", "Needs Coaching", "Critical")


# --------------------------------------------------------------------------------------
# periods and formatting


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


def _clean(x: Any) -> Any:
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [{k: _clean(v) for k, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def _group(rows: list[dict], key: str, *, keep_key: bool = False) -> dict[Any, list[dict]]:
    """Rows by the value of column `key` (dropped from the rows unless `keep_key`), each group
    in the rows' order."""
    grouped: dict[Any, list[dict]] = {}
    for r in rows:
        grouped.setdefault(r[key] if keep_key else r.pop(key), []).append(r)
    return grouped


def _rows_by(con: duckdb.DuckDBPyConnection, key: str, sql: str, params: list | None = None, *,
             keep_key: bool = False) -> dict[Any, list[dict]]:
    """`_rows` grouped by column `key`: one query for every document, not one per seller (at
    5,000 sellers per-seller queries over the marts cost more than the rest of the digests)."""
    return _group(_rows(con, sql, params), key, keep_key=keep_key)


def _has_table(con, schema: str, table: str) -> bool:
    return con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()[0] > 0


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


# --------------------------------------------------------------------------------------
# documents' content


@dataclass
class RepDigest:
    month: Month
    as_of: dt.date
    rep: dict
    quarter: dict | None
    performance: list[dict]
    pattern: list[dict]
    activity: dict
    skills: dict
    strengths: list[dict]
    focus_areas: list[dict]
    calls: dict
    next_actions: list[dict]
    progress: list[str]
    other_names: list[str] = field(default_factory=list, repr=False)  # guardrail input, never rendered

    def metric(self, key: str) -> dict | None:
        return next((r for r in self.performance if r["key"] == key), None)

    @property
    def overall(self) -> dict:
        return next(r for r in self.skills["rows"] if r["skill"] == "overall")


@dataclass
class ManagerDigest:
    month: Month
    as_of: dt.date
    manager: dict
    team: dict
    pending: list[dict]
    escalations: list[dict]
    flags: list[dict]
    at_risk: dict
    hygiene: dict = field(default_factory=dict)  # open deals more than 90 days past due (hygiene.py)


@dataclass
class SlmNotice:
    month: Month
    as_of: dt.date
    slm: dict
    summary: list[dict]
    escalations: list[dict]


@dataclass
class MonthContent:
    month: Month
    as_of: dt.date
    reps: list[RepDigest]
    managers: list[ManagerDigest]
    slms: list[SlmNotice]
    currency: str = "USD"  # the corporate currency every amount is in (int_corporate_currency)


# --------------------------------------------------------------------------------------
# gathering


class _Warehouse:
    """The month's rows, read once and shared by every document."""

    def __init__(self, con: duckdb.DuckDBPyConnection, month: Month, config: Settings):
        self.con = con
        self.month = month
        self.cfg = config
        as_of = con.execute("select as_of from intermediate.int_as_of").fetchone()[0]
        self.as_of: dt.date = as_of or month.end
        self.currency: str = con.execute("select corporate_iso_code from intermediate.int_corporate_currency").fetchone()[0]
        self.users = {u["user_id"]: u for u in _rows(con, """
            select user_id, user_name, role, is_seller, is_active, manager_id, manager_name, slm_id, slm_name,
                   email_lower, team_id
            from intermediate.int_users order by user_id""")}
        ref_day = min(month.end, self.as_of)
        self.perf = _rows(con, "select * from marts.rep_performance where quarter_start <= ? and quarter_end >= ? "
                               "order by rep_id", [ref_day, ref_day])
        self.perf_by_rep = {r["rep_id"]: r for r in self.perf}
        prev_start = self.perf[0]["quarter_start"] - dt.timedelta(days=1) if self.perf else None
        self.prev_perf = {r["rep_id"]: r for r in _rows(
            con, "select * from marts.rep_performance where quarter_start <= ? and quarter_end >= ?",
            [prev_start, prev_start])} if prev_start else {}
        self.assess_date = con.execute(
            "select max(assessment_date) from coaching.skill_assessment_log where assessment_date between ? and ?",
            [month.start, month.end]).fetchone()[0]
        self.prev_assess_date = con.execute(
            "select max(assessment_date) from coaching.skill_assessment_log where assessment_date < ?",
            [month.start]).fetchone()[0]
        self.skills: dict[str, dict[str, dict]] = {}
        self.prev_skills: dict[str, dict[str, dict]] = {}
        for target, day in ((self.skills, self.assess_date), (self.prev_skills, self.prev_assess_date)):
            if day is None:
                continue
            for r in _rows(con, "select * from coaching.skill_assessment_log where assessment_date = ?", [day]):
                target.setdefault(r["rep_id"], {})[r["skill"]] = r
        assessed_in_month = {r[0] for r in con.execute(
            "select distinct rep_id from coaching.skill_assessment_log where assessment_date between ? and ?",
            [month.start, month.end]).fetchall()}
        self.sellers = sorted(
            (u for u in self.users.values()
             if u["is_seller"] and (u["is_active"] or u["user_id"] in assessed_in_month)),
            key=lambda u: ((u["user_name"] or "").lower(), u["user_id"]),
        )
        self.seller_names = {u["user_id"]: u["user_name"] for u in self.users.values()
                             if u["is_seller"] and u["user_name"]}
        self._seller_name_list = sorted(set(self.seller_names.values()))
        self._seller_name_count = collections.Counter(self.seller_names.values())
        self._top_groups: dict[str | None, list[dict]] = {}

        # the month's per-seller and per-manager rows, each read once for every document
        self.activity_days = _rows_by(con, "rep_id", """
            select rep_id, activity_date, activity_count, is_low_day from marts.rep_activities
            where activity_date between ? and ? and is_business_day order by rep_id, activity_date""",
                                      [month.start, month.end])
        self.focus_events = _rows_by(con, "rep_id", """
            select rep_id, coaching_id, pattern_key, pattern_detected, approved_action, approval_status,
                   weeks_flagged, opened_on, last_assessed_on, resolution_date, improvement_detected
            from coaching.coaching_log
            where approval_status in ('approved', 'modified') and approved_action is not null and opened_on <= ?
            order by rep_id, weeks_flagged desc nulls last, last_assessed_on desc nulls last, opened_on,
                     coaching_id""", [month.end])
        self.calls = _rows_by(con, "rep_id", """
            select rep_id, call_id, title, url, call_date, duration_seconds, talk_ratio, questions_company_count,
                   longest_monologue_s
            from intermediate.int_gong_calls
            where is_external and call_date between ? and ? order by rep_id, call_date, call_id""",
                              [month.start, month.end])
        self.next_actions = _rows_by(con, "rep_id", """
            select rep_id, opportunity_name, account_name, amount, close_date, health_score, health_band,
                   action_type_label, action_reason, contact_name, best_time, best_time_zone, rank_for_rep
            from marts.next_best_actions
            where close_date is null or close_date >= ?
            qualify row_number() over (partition by rep_id order by rank_for_rep) <= ?
            order by rep_id, rank_for_rep""", [hygiene.cutoff(self.as_of, config), defaults.MAX_NEXT_BEST_ACTIONS])
        self.flags = _rows_by(con, "manager_id", """
            select manager_id, flag_id, rep_id, rule, flag_date, detail, opportunity_id from coaching.daily_flags
            where flag_date between ? and ? order by manager_id, flag_date, rep_id, rule, flag_id""",
                              [month.start, month.end])
        self.red_deals = _rows_by(con, "owner_id", """
            select d.opportunity_id, d.opportunity_name, d.account_name, d.owner_id, d.amount, d.close_date,
                   d.health_score, d.risk_reasons, n.action_reason
            from marts.deal_health_scores d left join marts.next_best_actions n using (opportunity_id)
            where d.is_at_risk
            order by d.owner_id, d.opportunity_id""", keep_key=True)
        self.stale_deals = hygiene.stale_deals_by_owner(con, self.as_of, config)
        self.pending = _group(state.list_pending(con).to_dicts(), "manager_id", keep_key=True)
        self.escalations = _escalation_rows(self)
        self.escalations_by_manager = _group(self.escalations, "manager_id", keep_key=True)

    # -- helpers used by several documents

    def name(self, user_id: str | None) -> str:
        if not user_id:
            return "unknown"
        u = self.users.get(user_id)
        return (u or {}).get("user_name") or user_id

    def other_seller_names(self, rep_id: str) -> list[str]:
        """Every seller name but the rep's own (kept when another seller shares it)."""
        own = self.seller_names.get(rep_id)
        if own is None or self._seller_name_count[own] > 1:
            return self._seller_name_list
        return [n for n in self._seller_name_list if n != own]

    def top_group(self, role: str | None) -> list[dict]:
        if role not in self._top_groups:
            self._top_groups[role] = _top_group(self, role)
        return self._top_groups[role]

    def person(self, user_id: str) -> dict:
        u = self.users.get(user_id) or {}
        return {"id": user_id, "name": u.get("user_name") or user_id, "role": u.get("role"),
                "email": u.get("email_lower"), "manager_name": u.get("manager_name"),
                "manager_id": u.get("manager_id")}


def _benchmark(rows: list[dict], rep_id: str, column: str) -> float | None:
    """Mean of the group's non-null values (the rep's own included, as the marts do), or
    None when fewer than MIN_PEERS_IN_BENCHMARK other sellers contribute one."""
    values = [r[column] for r in rows if r.get(column) is not None]
    others = [r for r in rows if r["rep_id"] != rep_id and r.get(column) is not None]
    if len(others) < defaults.MIN_PEERS_IN_BENCHMARK or not values:
        return None
    return sum(values) / len(values)


PERFORMANCE_METRICS = (
    # column, label, formatter, lower_is_better
    ("attainment", "Attainment (quarter to date)", pct, False),
    ("win_rate", "Win rate", pct, False),
    ("avg_deal_size", "Average won deal", money, False),
    ("avg_sales_cycle_days", "Sales cycle (days)", lambda x: num(x, 0), True),
    ("avg_stakeholders", "Stakeholders per deal", num, False),
    ("avg_days_to_meeting", "Days to first meeting", num, True),
    ("champion_identification_rate", "Champion identified", pct, False),
    ("economic_buyer_rate", "Economic buyer identified", pct, False),
    ("avg_daily_activities_30d", "Daily activities (30 days)", num, False),
)

PATTERN_METRICS = (
    ("avg_stakeholders", "Stakeholders per deal", "count", False),
    ("avg_days_to_meeting", "Days to first meeting", "days", True),
    ("champion_identification_rate", "Champion identified", "share", False),
    ("economic_buyer_rate", "Economic buyer identified", "share", False),
)


def _top_group(w: _Warehouse, role: str | None) -> list[dict]:
    ranked = [r for r in w.perf if r["role"] == role and r.get("overall_rank") is not None]
    if not ranked:
        return []
    cutoff = math.ceil(w.cfg.marts.top_group_share * ranked[0]["total_reps"])
    return [r for r in ranked if r["overall_rank"] <= cutoff]


def _performance(w: _Warehouse, rep_id: str) -> tuple[dict | None, list[dict], list[dict]]:
    me = w.perf_by_rep.get(rep_id)
    if me is None:
        return None, [], []
    team = [r for r in w.perf if r["team_id"] == me["team_id"]]
    top = w.top_group(me["role"])
    before = w.prev_perf.get(rep_id) or {}
    rows, pattern = [], []
    for column, label, fmt, lower in PERFORMANCE_METRICS:
        you = me.get(column)
        team_value = _benchmark(team, rep_id, column)
        top_value = _benchmark(top, rep_id, column)
        trend = Trend.of(you, before.get(column), fmt, lower)
        if column == "attainment" and me.get("is_current_quarter") and you is not None and me.get("quota_pace"):
            # quarter to date: compare with the share of the quarter elapsed, not last quarter
            pace = me["quota_pace"]
            trend = (Trend("▲", "good", f"ahead of pace ({pct(pace)} of the quarter elapsed)") if you >= pace
                     else Trend("▼", "bad", f"behind pace ({pct(pace)} of the quarter elapsed)"))
        rows.append({
            "key": column, "label": label, "you": fmt(you), "team": fmt(team_value), "top": fmt(top_value),
            "trend": trend,
        })
    for column, label, unit, lower in PATTERN_METRICS:
        pattern.append({"label": label, "you": me.get(column), "top": _benchmark(top, rep_id, column),
                        "unit": unit, "lower_is_better": lower})
    quarter = {
        "name": me["fiscal_quarter"], "start": me["quarter_start"], "window_end": me["window_end"],
        "pace": pct(me.get("quota_pace")), "is_current": me.get("is_current_quarter"),
        "window_text": f"{day_text(me['quarter_start'])} to {day_text(me['window_end'])}",
        "top_daily": _benchmark(top, rep_id, "avg_daily_activities_30d"),
    }
    return quarter, rows, pattern


def _activity(w: _Warehouse, rep_id: str, top_daily: float | None) -> dict:
    days = w.activity_days.get(rep_id, [])
    counts = [d["activity_count"] for d in days]
    return {
        "days": [(d["activity_date"], int(d["activity_count"]), bool(d["is_low_day"])) for d in days],
        "business_days": len(days),
        "low_days": sum(1 for d in days if d["is_low_day"]),
        "low_dates": [day_text(d["activity_date"]) for d in days if d["is_low_day"]],
        "average": num(sum(counts) / len(counts)) if counts else "n/a",
        "total": sum(counts),
        "threshold": w.cfg.marts.low_activity_day_threshold,
        "top_daily": top_daily,
        "top_daily_text": num(top_daily),
    }


def _components(row: dict | None) -> list[dict]:
    if not row or not row.get("components"):
        return []
    try:
        return json.loads(row["components"]) or []
    except (TypeError, ValueError):
        return []


def _skills(w: _Warehouse, rep_id: str) -> dict:
    now = w.skills.get(rep_id, {})
    before = w.prev_skills.get(rep_id, {})
    rows = []
    for skill in SKILL_ROWS:
        r = now.get(skill) or {}
        p = before.get(skill) or {}
        score, previous = r.get("score"), p.get("score")
        change = None if score is None or previous is None else score - previous
        weakest = r.get("weakest_component") if skill != "overall" else None
        rows.append({
            "skill": skill, "label": SKILL_LABELS.get(skill, skill), "score": score,
            "score_text": "n/a" if score is None else f"{score:.0f}",
            "level": r.get("level") or ("insufficient data" if r else "not assessed"),
            "level_key": slug(r.get("level")) if r.get("level") else "none",
            "trend": r.get("trend"),
            "trend_arrow": {"improving": "▲", "deteriorating": "▼", "stable": "▶"}.get(r.get("trend") or "", ""),
            "trend_tone": {"improving": "good", "deteriorating": "bad", "stable": "flat"}.get(r.get("trend") or "", "none"),
            "previous": previous,
            "change": change,
            "change_text": "n/a" if change is None else "±0" if round(change) == 0 else f"{change:+.0f}",
            "change_tone": "none" if change is None else "good" if change >= w.cfg.coaching.trend_points
            else "bad" if change <= -w.cfg.coaching.trend_points else "flat",
            "percentile": r.get("cohort_percentile"),
            "weakest": None if not weakest else {
                "component": weakest,
                "value": format_value(weakest, r.get("weakest_value")),
                "target": format_target(weakest, w.cfg.coaching, r.get("weakest_target")),
                "label": weakest.replace("_s", "").replace("_", " "),
            },
            "components": _components(r) if skill != "overall" else [],
        })
    return {"date": w.assess_date, "date_text": day_text(w.assess_date),
            "previous_date_text": day_text(w.prev_assess_date) if w.prev_assess_date else None,
            "rows": rows, "assessed": bool(now)}


def _focus_areas(w: _Warehouse, rep_id: str) -> tuple[list[dict], list[dict]]:
    """(open approved/modified events at the month's end, approved/modified events resolved
    in the month). Pending and dismissed events are never read here."""
    events = w.focus_events.get(rep_id, [])
    open_, resolved = [], []
    for e in events:
        skill = e["pattern_key"].split(":", 1)[-1]
        item = {
            "skill": skill, "label": SKILL_LABELS.get(skill, skill.replace("_", " ").capitalize()),
            "action": e["approved_action"], "pattern": e["pattern_detected"],
            "modified": e["approval_status"] == "modified", "since": day_text(e["opened_on"]),
        }
        if e["resolution_date"] is None or e["resolution_date"] > w.month.end:
            open_.append(item)
        elif e["resolution_date"] >= w.month.start:
            resolved.append({**item, "resolved_on": day_text(e["resolution_date"]),
                             "improved": bool(e["improvement_detected"])})
    return open_[: defaults.MAX_FOCUS_AREAS], resolved


_URL_OK = re.compile(r"^https?://[^\s\"'<>]+$", re.I)


def _call_score(call: dict, cfg: Settings) -> float | None:
    scores = []
    for column, target in (("talk_ratio", "talk_ratio"), ("questions_company_count", "questions_per_call"),
                           ("longest_monologue_s", "longest_monologue_s")):
        if call.get(column) is not None and target in cfg.coaching.targets:
            scores.append(band_score(call[column], cfg.coaching.targets[target]))
    scores = [s for s in scores if s is not None]
    return sum(scores) / len(scores) if scores else None


def _calls(w: _Warehouse, rep_id: str) -> dict:
    calls = w.calls.get(rep_id, [])
    targets = w.cfg.coaching.targets

    def mean(col):
        vals = [c[col] for c in calls if c.get(col) is not None]
        return sum(vals) / len(vals) if vals else None

    metrics = []
    for col, comp, label in (("talk_ratio", "talk_ratio", "Talk ratio"),
                             ("questions_company_count", "questions_per_call", "Questions per call"),
                             ("longest_monologue_s", "longest_monologue_s", "Longest monologue")):
        value = mean(col)
        score = band_score(value, targets[comp]) if value is not None and comp in targets else None
        metrics.append({"label": label, "value": format_value(comp, value),
                        "target": format_target(comp, w.cfg.coaching, None),
                        "on_target": score is not None and score >= 99.5,
                        "tone": "none" if score is None else "good" if score >= 99.5 else "bad" if score < 70 else "flat"})

    def describe(c):
        url = c.get("url") or ""
        parts = []
        if c.get("talk_ratio") is not None:
            parts.append(f"talk ratio {pct(c['talk_ratio'])}")
        if c.get("questions_company_count") is not None:
            parts.append(f"{c['questions_company_count']:.0f} questions")
        if c.get("longest_monologue_s") is not None:
            parts.append(f"longest monologue {c['longest_monologue_s']:.0f} s")
        return {"title": c.get("title") or "Untitled call", "url": url if _URL_OK.match(url) else None,
                "date": day_text(c["call_date"]), "summary": ", ".join(parts)}

    scored = [(s, c) for c in calls if (s := _call_score(c, w.cfg)) is not None]
    best = review = None
    if scored:
        # best: highest score (ties: the later call); review: lowest (ties: the later call)
        best_pair = max(scored, key=lambda p: (p[0], p[1]["call_date"], p[1]["call_id"]))
        best = describe(best_pair[1])
        if len(scored) > 1:
            rest = [p for p in scored if p[1]["call_id"] != best_pair[1]["call_id"]]
            review_pair = min(rest, key=lambda p: (p[0], -p[1]["call_date"].toordinal(), p[1]["call_id"]))
            review = describe(review_pair[1])
    return {"count": len(calls), "metrics": metrics, "best": best, "review": review,
            "talk_ratio": mean("talk_ratio"), "questions": mean("questions_company_count"),
            "monologue": mean("longest_monologue_s")}


def deal_texts(row: dict) -> dict:
    """A deal's account and amount as printed. Salesforce allows a deal without either
    (landing-zone contract), which would print as an empty or 'None' account otherwise."""
    return {"account_name": row["account_name"] or "no account",
            "amount_text": "no amount" if row["amount"] is None else money(row["amount"])}


def _next_actions(w: _Warehouse, rep_id: str) -> list[dict]:
    rows = w.next_actions.get(rep_id, [])
    return [{**r, **deal_texts(r), "close_text": day_text(r["close_date"]),
             "health_text": num(r["health_score"], 0)} for r in rows]


def _progress(skills: dict, resolved: list[dict], quarter: dict | None, perf_rows: list[dict],
              cfg: Settings) -> list[str]:
    lines = []
    overall = next((r for r in skills["rows"] if r["skill"] == "overall"), None)
    if overall and overall["change"] is not None:
        lines.append(f"Overall skill score {overall['score_text']} ({overall['level']}), "
                     f"{overall['change_text']} points since {skills['previous_date_text']}.")
    elif overall and overall["score"] is not None:
        lines.append(f"Overall skill score {overall['score_text']} ({overall['level']}); "
                     "no assessment last month to compare with.")
    ups = [r for r in skills["rows"] if r["skill"] != "overall" and r["change"] is not None
           and r["change"] >= cfg.coaching.trend_points]
    downs = [r for r in skills["rows"] if r["skill"] != "overall" and r["change"] is not None
             and r["change"] <= -cfg.coaching.trend_points]
    if ups:
        lines.append("Improved: " + ", ".join(f"{r['label']} ({r['change_text']})" for r in ups) + ".")
    if downs:
        lines.append("Slipped: " + ", ".join(f"{r['label']} ({r['change_text']})" for r in downs) + ".")
    for r in resolved:
        lines.append(f"Focus area closed on {r['resolved_on']}: {r['label']}"
                     + (" is back on target." if r["improved"] else " is no longer flagged."))
    win = next((r for r in perf_rows if r["key"] == "win_rate"), None)
    if win and win["trend"].arrow:
        lines.append(f"Win rate {win['you']} this quarter, {win['trend'].text} last quarter.")
    return lines


def _strengths(skills: dict) -> list[dict]:
    return [r for r in skills["rows"] if r["skill"] != "overall" and r["score"] is not None
            and r["score"] >= defaults.STRENGTH_MIN_SCORE]


def _rep_digest(w: _Warehouse, seller: dict) -> RepDigest:
    rep_id = seller["user_id"]
    quarter, perf_rows, pattern = _performance(w, rep_id)
    skills = _skills(w, rep_id)
    focus, resolved = _focus_areas(w, rep_id)
    return RepDigest(
        month=w.month, as_of=w.as_of, rep=w.person(rep_id), quarter=quarter, performance=perf_rows,
        pattern=pattern, activity=_activity(w, rep_id, (quarter or {}).get("top_daily")), skills=skills,
        strengths=_strengths(skills), focus_areas=focus, calls=_calls(w, rep_id),
        next_actions=_next_actions(w, rep_id), progress=_progress(skills, resolved, quarter, perf_rows, w.cfg),
        other_names=w.other_seller_names(rep_id),
    )


# --- manager digest --------------------------------------------------------------------


def _history(text: str | None) -> list[dict]:
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


RULE_LABELS = {
    "persistence": "Pattern persisted 3 weeks",
    "attainment": "Attainment at risk",
    "bottom_quartile": "Bottom quartile 30+ days",
    "manual": "Manager escalation",
    "large_deal_red": "Large deal fell to red",
}
ESCALATED_TO = {"slm": "second-line manager", "manager": "manager", "manager_and_slm": "manager and second-line manager"}


def _escalation_rows(w: _Warehouse) -> list[dict]:
    """The month's escalations, in the documents' order."""
    rows = _rows(w.con, """
        select escalation_id, rep_id, rule, pattern_key, coaching_id, escalated_to, manager_id, slm_id,
               escalation_date, reason, history, escalated_by
        from coaching.escalations
        where escalation_date between ? and ?
        order by escalation_date, rep_id, rule, pattern_key, escalation_id""", [w.month.start, w.month.end])
    decided = decisions.decision_texts(w.con, rows, w.as_of, w.name)  # the manager's decision, as of as_of
    out = []
    for r in rows:
        pattern = (r["pattern_key"] or "").split(":", 1)[-1]
        out.append({
            **r, "rep_name": w.name(r["rep_id"]), "manager_name": w.name(r["manager_id"]),
            "date": day_text(r["escalation_date"]), "rule_label": RULE_LABELS.get(r["rule"], r["rule"]),
            "to": ESCALATED_TO.get(r["escalated_to"], r["escalated_to"]),
            "subject": SKILL_LABELS.get(pattern) or pattern.replace("_", " ").capitalize(),
            "history_rows": _history(r["history"]), "decision": decided[r["escalation_id"]],
            "escalated_by_name": w.name(r["escalated_by"]) if r["escalated_by"] else None,
        })
    return out


def _manager_digest(w: _Warehouse, manager_id: str, team: list[dict]) -> ManagerDigest:
    team_ids = [u["user_id"] for u in team]
    dist_rows = []
    for skill in SKILL_ROWS:
        counts: dict[str, int] = {}
        for rep_id in team_ids:
            r = w.skills.get(rep_id, {}).get(skill)
            key = r["level"] if r and r.get("level") else "no data"
            counts[key] = counts.get(key, 0) + 1
        dist_rows.append((SKILL_LABELS[skill], counts))
    overall = sorted(w.skills[r]["overall"]["score"] for r in team_ids
                     if w.skills.get(r, {}).get("overall", {}).get("score") is not None)
    attainments = [w.perf_by_rep.get(r, {}).get("attainment") for r in team_ids]
    buckets = []
    for i, (low, label) in enumerate(defaults.ATTAINMENT_BANDS):
        high = defaults.ATTAINMENT_BANDS[i + 1][0] if i + 1 < len(defaults.ATTAINMENT_BANDS) else math.inf
        buckets.append((label, sum(1 for a in attainments if a is not None and low <= a < high)))
    buckets.append(("no quota", sum(1 for a in attainments if a is None)))
    gaps = sum(1 for r in team_ids for s in SKILLS if (w.skills.get(r, {}).get(s) or {}).get("gap_detected"))
    pending_rows = [
        {**p, "rep_name": w.name(p["rep_id"]), "opened": day_text(p["opened_on"]),
         "skill": SKILL_LABELS.get(p["pattern_key"].split(":", 1)[-1], p["pattern_key"])}
        for p in w.pending.get(manager_id, []) if p["opened_on"] <= w.month.end
    ]
    flags = w.flags.get(manager_id, [])
    flags = [{**f, "rep_name": w.name(f["rep_id"]), "date": day_text(f["flag_date"]),
              "rule_label": RULE_LABELS.get(f["rule"], f["rule"])} for f in flags]
    # largest first (no amount last), then by id
    deals = sorted((d for rep_id in team_ids for d in w.red_deals.get(rep_id, [])),
                   key=lambda d: (d["amount"] is None, -(d["amount"] or 0), d["opportunity_id"]))
    at_risk = [{**d, **deal_texts(d), "rep_name": w.name(d["owner_id"]),
                "close_text": day_text(d["close_date"]), "health_text": num(d["health_score"], 0),
                "reason": (d["risk_reasons"] or ["n/a"])[0] if isinstance(d["risk_reasons"], list)
                else str(d["risk_reasons"] or "n/a")} for d in deals]
    return ManagerDigest(
        month=w.month, as_of=w.as_of, manager=w.person(manager_id),
        team={
            "size": len(team_ids), "distribution": dist_rows, "attainment_buckets": buckets,
            "median_overall": num(statistics.median(overall), 0) if overall else "n/a",
            "assessed": len(overall), "gaps": gaps, "assessment_date": day_text(w.assess_date),
            "quarter": (w.perf_by_rep.get(team_ids[0]) or {}).get("fiscal_quarter") if team_ids else None,
        },
        pending=pending_rows,
        escalations=w.escalations_by_manager.get(manager_id, []),
        flags=flags,
        at_risk={"deals": at_risk[: defaults.MAX_AT_RISK_DEALS], "count": len(at_risk),
                 "amount": money(sum(d["amount"] or 0 for d in at_risk)),
                 "more": max(0, len(at_risk) - defaults.MAX_AT_RISK_DEALS)},
        hygiene=hygiene.team_list(w.stale_deals, team_ids, w.name, w.cfg),
    )


def _slm_notice(w: _Warehouse, slm_id: str, escalations: list[dict]) -> SlmNotice:
    summary: dict[str, dict] = {}
    for e in escalations:
        s = summary.setdefault(e["rep_id"], {"rep_name": e["rep_name"], "manager_name": e["manager_name"],
                                             "count": 0, "subjects": []})
        s["count"] += 1
        if e["subject"] not in s["subjects"]:
            s["subjects"].append(e["subject"])
    rows = sorted(summary.values(), key=lambda s: (-s["count"], s["rep_name"]))
    for s in rows:
        s["subjects_text"] = ", ".join(s["subjects"])
    return SlmNotice(month=w.month, as_of=w.as_of, slm=w.person(slm_id), summary=rows, escalations=escalations)


def gather(con: duckdb.DuckDBPyConnection, month: Month, config: Settings | None = None) -> MonthContent:
    """Every document's content for `month`, from the warehouse behind `con`."""
    state.ensure_schema(con)
    w = _Warehouse(con, month, config or settings())
    reps = [_rep_digest(w, s) for s in w.sellers]
    teams: dict[str, list[dict]] = {}
    for s in w.sellers:
        if s["manager_id"]:
            teams.setdefault(s["manager_id"], []).append(s)
    managers = [_manager_digest(w, m, teams[m]) for m in sorted(teams, key=lambda m: (w.name(m).lower(), m))]
    to_slm = [e for e in w.escalations if e["escalated_to"] in ("slm", "manager_and_slm") and e["slm_id"] is not None]
    by_slm: dict[str, list[dict]] = {}
    for e in to_slm:
        by_slm.setdefault(e["slm_id"], []).append(e)
    slms = [_slm_notice(w, s, by_slm[s]) for s in sorted(by_slm, key=lambda s: (w.name(s).lower(), s))]
    return MonthContent(month=month, as_of=w.as_of, reps=reps, managers=managers, slms=slms, currency=w.currency)


def has_marts(con: duckdb.DuckDBPyConnection) -> bool:
    return all(_has_table(con, s, t) for s, t in (
        ("intermediate", "int_as_of"), ("intermediate", "int_users"), ("marts", "rep_performance"),
        ("marts", "rep_activities"), ("marts", "next_best_actions"), ("marts", "deal_health_scores")))
