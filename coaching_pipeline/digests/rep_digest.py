"""The rep digest of a month (coaching contract, "Monthly digests"): what it says, built from
the month's rows (month_data.MonthData) and formatted once (formatting.py) for the HTML and
the Markdown documents. `rep_digest(data, rep_id)` builds one seller's digest on its own,
without rendering it.

Guardrails of the rep digest: it is built from the rep's own rows only, plus group means that
at least MIN_PEERS_IN_BENCHMARK other sellers contribute to; it never holds another seller's
name, and it only holds recommendations a manager approved or modified.

Not delivered is not zero (coverage.py): a figure whose source the org never delivered
(contact roles, MEDDPICC fields, close-date history, Gong calls, activities) is printed as
the missing data ("no contact roles in the CRM data"), never 0, 0% or a perfect score, and
the skills it leaves unmeasured are listed. The role section ("Your SDR metrics") holds the
rep's own role_metrics row only, and only their role's metrics (role_sections.py). A strength, or the strongest skill, is never a
skill with a gap or at Critical (scoring.may_be_strength).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from ..coaching.components import COMPONENTS, SKILL_LABELS, SKILL_ORDER
from ..coaching.role_catalogue import pattern_subject
from ..coaching.scoring import band_score, may_be_strength
from ..coaching.wording import format_target, format_value
from ..config import Settings
from . import defaults
from .formatting import Month, Trend, day_text, deal_texts, money, num, pct, safe_url, slug
from .month_data import MonthData
from .role_sections import rep_section

SKILL_ROWS = SKILL_ORDER  # the six skills, then overall


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
    missing_data: list[str] = field(default_factory=list)  # the absent sources, as said (coverage.py)
    roles: dict | None = None  # "Your <role> metrics" (role_sections.rep_section); None outside the four roles

    def metric(self, key: str) -> dict | None:
        return next((r for r in self.performance if r["key"] == key), None)

    @property
    def overall(self) -> dict:
        return next(r for r in self.skills["rows"] if r["skill"] == "overall")


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


def _performance(data: MonthData, rep_id: str) -> tuple[dict | None, list[dict], list[dict]]:
    me = data.perf_by_rep.get(rep_id)
    if me is None:
        return None, [], []
    team = [r for r in data.perf if r["team_id"] == me["team_id"]]
    top = data.top_group(me["role"])
    before = data.prev_perf.get(rep_id) or {}
    rows, pattern = [], []
    for column, label, fmt, lower in PERFORMANCE_METRICS:
        you = me.get(column)
        team_value = _benchmark(team, rep_id, column)
        top_value = _benchmark(top, rep_id, column)
        trend = Trend.of(you, before.get(column), fmt, lower)
        # null because the org never delivered its source: say which data is missing
        missing = data.coverage.metric_missing(column) if you is None else None
        if missing:
            trend = Trend("", "none", "not measured")
        if column == "attainment" and me.get("is_current_quarter") and you is not None and me.get("quota_pace"):
            # quarter to date: compare with the share of the quarter elapsed, not last quarter
            pace = me["quota_pace"]
            trend = (Trend("▲", "good", f"ahead of pace ({pct(pace)} of the quarter elapsed)") if you >= pace
                     else Trend("▼", "bad", f"behind pace ({pct(pace)} of the quarter elapsed)"))
        rows.append({
            "key": column, "label": label, "you": missing or fmt(you), "team": fmt(team_value),
            "top": fmt(top_value), "trend": trend, "missing": missing,
        })
    for column, label, unit, lower in PATTERN_METRICS:
        pattern.append({"label": label, "you": me.get(column), "top": _benchmark(top, rep_id, column),
                        "unit": unit, "lower_is_better": lower, "missing": data.coverage.metric_missing(column)})
    quarter = {
        "name": me["fiscal_quarter"], "start": me["quarter_start"], "window_end": me["window_end"],
        "pace": pct(me.get("quota_pace")), "is_current": me.get("is_current_quarter"),
        "window_text": f"{day_text(me['quarter_start'])} to {day_text(me['window_end'])}",
        "top_daily": _benchmark(top, rep_id, "avg_daily_activities_30d"),
    }
    return quarter, rows, pattern


def _activity(data: MonthData, rep_id: str, top_daily: float | None) -> dict:
    days = data.activity_days.get(rep_id, [])
    counts = [d["activity_count"] for d in days]
    return {
        # no Task, Event nor activity-log row in the org: no activity figure is measured
        "missing": data.coverage.missing("activities"),
        "days": [(d["activity_date"], int(d["activity_count"]), bool(d["is_low_day"])) for d in days],
        "business_days": len(days),
        "low_days": sum(1 for d in days if d["is_low_day"]),
        "low_dates": [day_text(d["activity_date"]) for d in days if d["is_low_day"]],
        "average": num(sum(counts) / len(counts)) if counts else "n/a",
        "total": sum(counts),
        "threshold": data.cfg.marts.low_activity_day_threshold,
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


def _skills(data: MonthData, rep_id: str) -> dict:
    now = data.skills.get(rep_id, {})
    before = data.prev_skills.get(rep_id, {})
    rows = []
    for skill in SKILL_ROWS:
        r = now.get(skill) or {}
        p = before.get(skill) or {}
        score, previous = r.get("score"), p.get("score")
        change = None if score is None or previous is None else score - previous
        weakest = r.get("weakest_component") if skill != "overall" else None
        unmeasured = _unmeasured(data, skill) if r and score is None else None
        rows.append({
            "skill": skill, "label": SKILL_LABELS.get(skill, skill), "score": score,
            "score_text": "n/a" if score is None else f"{score:.0f}",
            "level": r.get("level") or (unmeasured or "insufficient data" if r else "not assessed"),
            "gap": r.get("gap_detected"),
            "may_be_strength": may_be_strength(score, r.get("gap_detected"), r.get("level"), data.cfg.coaching),
            "level_key": slug(r.get("level")) if r.get("level") else "none",
            "trend": r.get("trend"),
            "trend_arrow": {"improving": "▲", "deteriorating": "▼", "stable": "▶"}.get(r.get("trend") or "", ""),
            "trend_tone": {"improving": "good", "deteriorating": "bad", "stable": "flat"}.get(r.get("trend") or "", "none"),
            "previous": previous,
            "change": change,
            "change_text": "n/a" if change is None else "±0" if round(change) == 0 else f"{change:+.0f}",
            "change_tone": "none" if change is None else "good" if change >= data.cfg.coaching.trend_points
            else "bad" if change <= -data.cfg.coaching.trend_points else "flat",
            "percentile": r.get("cohort_percentile"),
            "weakest": None if not weakest else {
                "component": weakest,
                "value": format_value(weakest, r.get("weakest_value")),
                "target": format_target(weakest, data.cfg.coaching, r.get("weakest_target")),
                "label": weakest.replace("_s", "").replace("_", " "),
            },
            "components": _components(r) if skill != "overall" else [],
        })
    return {"date": data.assess_date, "date_text": day_text(data.assess_date),
            "previous_date_text": day_text(data.prev_assess_date) if data.prev_assess_date else None,
            "rows": rows, "assessed": bool(now), "not_measured": _not_measured(data) if now else []}


def _unmeasured(data: MonthData, skill: str) -> str | None:
    """'not measured: no Gong calls in the data' for a skill every component of which needs
    a source the org never delivered; None when one of them could be measured."""
    reasons = [data.coverage.component_missing(c.name) for c in COMPONENTS if c.skill == skill]
    if not reasons or any(r is None for r in reasons):
        return None
    return "not measured: " + "; ".join(dict.fromkeys(reasons))


def _not_measured(data: MonthData) -> list[str]:
    """One sentence per absent source: the skill components it leaves unmeasured, e.g.
    'Not measured, no close-date history (OpportunityFieldHistory) in the CRM data: deals
    closing on their first close date (Closing).'"""
    by_reason: dict[str, list[str]] = {}
    for c in COMPONENTS:
        reason = data.coverage.component_missing(c.name)
        if reason:
            by_reason.setdefault(reason, []).append(f"{c.label} ({SKILL_LABELS[c.skill]})")
    return [f"Not measured, {reason}: {', '.join(labels)}." for reason, labels in by_reason.items()]


def _focus_areas(data: MonthData, rep_id: str) -> tuple[list[dict], list[dict]]:
    """(open approved/modified events at the month's end, approved/modified events resolved
    in the month). Pending and dismissed events are never read here."""
    events = data.focus_events.get(rep_id, [])
    open_, resolved = [], []
    for e in events:
        skill = e["pattern_key"].split(":", 1)[-1]
        item = {
            "skill": skill, "label": pattern_subject(e["pattern_key"]) or skill,
            "action": e["approved_action"], "pattern": e["pattern_detected"],
            "modified": e["approval_status"] == "modified", "since": day_text(e["opened_on"]),
        }
        if e["resolution_date"] is None or e["resolution_date"] > data.month.end:
            open_.append(item)
        elif e["resolution_date"] >= data.month.start:
            resolved.append({**item, "resolved_on": day_text(e["resolution_date"]),
                             "improved": bool(e["improvement_detected"])})
    return open_[: defaults.MAX_FOCUS_AREAS], resolved


def _call_score(call: dict, cfg: Settings) -> float | None:
    scores = []
    for column, target in (("talk_ratio", "talk_ratio"), ("questions_company_count", "questions_per_call"),
                           ("longest_monologue_s", "longest_monologue_s")):
        if call.get(column) is not None and target in cfg.coaching.targets:
            scores.append(band_score(call[column], cfg.coaching.targets[target]))
    scores = [s for s in scores if s is not None]
    return sum(scores) / len(scores) if scores else None


def _calls(data: MonthData, rep_id: str) -> dict:
    calls = data.calls.get(rep_id, [])
    targets = data.cfg.coaching.targets

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
                        "target": format_target(comp, data.cfg.coaching, None),
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
        return {"title": c.get("title") or "Untitled call", "url": safe_url(url),
                "date": day_text(c["call_date"]), "summary": ", ".join(parts)}

    scored = [(s, c) for c in calls if (s := _call_score(c, data.cfg)) is not None]
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
            "missing": data.coverage.missing("gong"),
            "talk_ratio": mean("talk_ratio"), "questions": mean("questions_company_count"),
            "monologue": mean("longest_monologue_s")}


def _next_actions(data: MonthData, rep_id: str) -> list[dict]:
    rows = data.next_actions.get(rep_id, [])
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
    """Skills at STRENGTH_MIN_SCORE or more, never one with a gap or at Critical."""
    return [r for r in skills["rows"] if r["skill"] != "overall" and r["may_be_strength"]
            and r["score"] >= defaults.STRENGTH_MIN_SCORE]


def _roles(data: MonthData, rep_id: str) -> dict | None:
    """The seller's own role section: their own row, their own role's metrics, benchmarks of
    their role's cohort (guarded like every group figure of the rep digest)."""
    row = data.role_by_rep.get(rep_id)
    role = (row or {}).get("role") or data.person(rep_id)["role"]
    return rep_section(row, role, data.role_cohorts.get(role, []), data.cfg, data.month.label, guard=True)


def rep_digest(data: MonthData, rep_id: str) -> RepDigest:
    """The rep digest of seller `rep_id` for the month of `data`, without rendering it."""
    quarter, perf_rows, pattern = _performance(data, rep_id)
    skills = _skills(data, rep_id)
    focus, resolved = _focus_areas(data, rep_id)
    return RepDigest(
        month=data.month, as_of=data.as_of, rep=data.person(rep_id), quarter=quarter, performance=perf_rows,
        pattern=pattern, activity=_activity(data, rep_id, (quarter or {}).get("top_daily")), skills=skills,
        strengths=_strengths(skills), focus_areas=focus, calls=_calls(data, rep_id),
        next_actions=_next_actions(data, rep_id), progress=_progress(skills, resolved, quarter, perf_rows, data.cfg),
        other_names=data.other_seller_names(rep_id), missing_data=data.coverage.missing_texts(),
        roles=_roles(data, rep_id),
    )
