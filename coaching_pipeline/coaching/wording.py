"""The words of the coaching state: the pattern detected and the recommended action of a
coaching event, the reasons of escalations and the details of daily flags. The rules
(rules.py, persistence.py) decide; this module only says it. The per-component phrases and
advice are in the catalogue (components.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..config import CoachingSettings
from .components import BY_NAME, band_text, skill_label, unit_of

NO_SLM_NOTE = ("Sent to the manager: this seller has no second-line manager (their manager has no "
               "manager in the CRM).")

# A component outside the catalogue: its name read as words, and generic advice.
_GENERIC_ADVICE = "review this component with the manager on recent calls and deals"


def format_value(component: str | None, value: float | None) -> str:
    """A component's value in its unit: '12.5', '95 s', '40%', '0.85x', '62/100'."""
    if value is None:
        return "n/a"
    unit = unit_of(component)
    if unit == "count":
        return f"{value:,.1f}"
    if unit == "seconds":
        return f"{value:,.{0 if abs(value) >= 10 else 1}f} s"
    if unit == "share":
        return f"{value * 100:.0f}%"
    if unit == "ratio":
        return f"{value:.2f}x"
    if unit == "score":
        return f"{value:.0f}/100"
    return f"{value:g}"


def format_target(component: str | None, cfg: CoachingSettings, fallback: str | None) -> str:
    """The target band in the component's unit ('11-14', '40-50%', 'at most 150 s'); the
    fallback (the logged weakest_target) for a component without a configured band."""
    band = cfg.targets.get(component or "")
    if band is None:
        return fallback or "n/a"
    return band_text(band, unit_of(component))


def describe_gap(row: dict, cfg: CoachingSettings) -> tuple[str, str]:
    """(pattern_detected, recommended_action) of one flagged skill assessment row."""
    label = skill_label(row["skill"])
    head = f"{label} {row['score']:.1f} ({row.get('level') or 'n/a'})"
    component = row.get("weakest_component")
    if not component:
        return head, (
            f"Review the {label.lower()} skill with the rep on two recent calls or deals and agree "
            f"one concrete behaviour to change before the next assessment."
        )
    value = format_value(component, row.get("weakest_value"))
    target = format_target(component, cfg, row.get("weakest_target"))
    known = BY_NAME.get(component)
    words = component.replace("_", " ")
    plain_label, phrase, advice = (
        (known.label, known.phrase, known.advice) if known else (words, words + " {v}", _GENERIC_ADVICE)
    )
    pattern = f"{head}: {phrase.format(v=value)} vs target {target}"
    action = f"{label}: bring {plain_label} from {value} into the target of {target}: {advice}."
    return pattern, action


def weakest_text(pattern_detected: str) -> str:
    """What a pattern says after the skill and score: 'questions per call 6.0 vs target 11-14'."""
    return pattern_detected.split(": ", 1)[-1] if ": " in pattern_detected else pattern_detected


def persistence_reason(skill: str, weeks: Sequence[tuple[dt.date, float]], weakest: str,
                       cfg: CoachingSettings, since: dt.date | None) -> str:
    """Why the persistence clock escalates: the weeks (date, score) behind it; `since` the
    event's previous escalation (None for the first)."""
    label = skill_label(skill)
    scores = ", ".join(f"{s:.1f}" for _, s in weeks)
    dates = ", ".join(d.isoformat() for d, _ in weeks)
    if since is None:
        return (
            f"{label} below {cfg.gap_below:g} at {len(weeks)} consecutive weekly assessments without a "
            f"{cfg.improvement_reset * 100:g}% improvement ({scores} on {dates}); {weakest}"
        )
    return (
        f"{label} still below {cfg.gap_below:g} at {len(weeks)} more weekly assessments without a "
        f"{cfg.improvement_reset * 100:g}% improvement since the escalation of {since.isoformat()} "
        f"({scores} on {dates}); {weakest}"
    )


def bottom_quartile_reason(role: str | None, streak: Sequence[dict], day: dt.date) -> str:
    start = streak[0]["assessment_date"]
    pcts = ", ".join(f"{r['cohort_percentile']:.1f}" for r in streak)
    score = streak[-1].get("score")
    return (
        f"Overall score in the bottom quartile of the {role or 'role'} cohort at "
        f"{len(streak)} consecutive weekly assessments since {start.isoformat()} "
        f"({(day - start).days} days; percentiles {pcts}; latest overall score "
        f"{'n/a' if score is None else format(score, '.1f')})"
    )


def attainment_reason(attainment: float, days_left: int, cfg: CoachingSettings) -> str:
    return (
        f"Attainment {attainment * 100:.1f}% with {days_left} days left in the quarter (rule: below "
        f"{cfg.attainment_below * 100:g}% with fewer than {cfg.attainment_days_left} days left)"
    )


def attainment_flag_detail(attainment: float, days_left: int, quarter: str, cfg: CoachingSettings) -> str:
    return (
        f"Attainment {attainment * 100:.1f}% with {days_left} days left in {quarter} (flag below "
        f"{cfg.attainment_below * 100:g}% with fewer than {cfg.attainment_days_left} days left)"
    )


def large_deal_detail(deal: dict) -> str:
    name = deal.get("opportunity_name") or deal["opportunity_id"]
    score = deal.get("health_score")
    reasons = deal.get("risk_reasons")
    if isinstance(reasons, list | tuple):
        reasons = "; ".join(str(r) for r in reasons)
    return (
        f"Open deal {name} ({deal['opportunity_id']}) of {deal['amount']:,.0f} is in the red health band"
        + (f" (health score {score:g})" if score is not None else "")
        + (f": {reasons}" if reasons else "")
    )
