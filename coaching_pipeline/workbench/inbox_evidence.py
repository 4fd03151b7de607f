"""The evidence behind each pending recommendation of the inbox (coaching contract, "Signal a
manager can act on": the metric, the rep's value, the benchmark and its cohort, the sample
size, the weeks flagged, the trend, up to three example calls), and the order "most severe
and most persistent first".

Evidence or silence: every figure comes from a named place of the published file, or of the
settings the detection used, and a field nobody recorded is None (the page leaves it out,
the API says null), never a 0 or a guess. For a skill event (pattern_key `skill:<skill>`):
- metric and value: the skill's score (0-100) and level at the event's latest flagged
  assessment (coaching.skill_assessment_log at last_assessed_on);
- benchmark: the gap threshold the detection compared against (settings coaching.gap_below:
  a gap is a score below it), and its cohort: the rep's role at that assessment, with the
  cohort's size and median score and the rep's cohort_percentile (aggregates only);
- the component behind the recommendation (weakest_component, its value and target) and its
  sample: the component's evidence_count in the assessment's components JSON, the unit and
  window the skill assessment counts it in, and the minimum below which it is never scored;
- weeks flagged: coaching_log.weeks_flagged (the persistence clock), opened_on, escalation;
- trend: the event's weekly scores (coaching.coaching_history) and the assessment's trend.
The evidence columns of coaching_log (EVIDENCE_COLUMNS, coaching/signal.py) are read when the
table has them: sample_size wins over the derived sample, since it records what the engine
counted, and benchmark_value (the role cohort's 35th-percentile score the engine compared
with) is said beside the threshold. Example calls are not in the published file yet.

Severity (documented on the page too), compared in this order:
1. the tier of the latest assessment: Critical (score < 40; severity high) > Needs Coaching
   (40-59; medium) > Developing (60-69; low) > not known;
2. escalated to the SLM (the pattern persisted 3 weeks without a 10% improvement) first;
3. more weeks flagged first; 4. the lower score first; 5. the older event first.
A rep's group goes where their most severe event goes.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re

from ..coaching.components import BY_NAME, skill_label
from ..coaching.role_catalogue import pattern_subject
from ..coaching.signal import ordinal
from ..coaching.wording import format_target, format_value
from ..config import CoachingSettings
from ..digests.formatting import day_text, num
from .published import columns_of, has_table, rows, weekly_rows

# coaching_log columns that carry the engine's own evidence, read when present
EVIDENCE_COLUMNS = ("sample_size", "example_calls", "example_deals", "benchmark_value")
TIERS = {"Critical": 3, "Needs Coaching": 2, "Developing": 1}  # skill_assessment_log.level
SEVERITY_TIERS = {"high": 3, "medium": 2, "low": 1}  # skill_assessment_log.severity
TIER_LABELS = {3: "Critical", 2: "Needs Coaching", 1: "Developing", 0: None}
MAX_EXAMPLES = 3
SPARK_WEEKS = 26  # weekly points drawn in the trend line (the JSON keeps them all)
_URL_OK = re.compile(r"^https?://[^\s\"'<>]+$", re.I)

SKILL_LOG = "coaching.skill_assessment_log"
HISTORY = "coaching.coaching_history"


def skill_of(pattern_key: str | None) -> str | None:
    """'discovery' for 'skill:discovery'; None for any other pattern (a metric)."""
    kind, _, name = (pattern_key or "").partition(":")
    return name if kind == "skill" and name else None


def pattern_name(event: dict) -> str:
    """How an event is named to a person: its pattern text, else its skill or metric, never its id."""
    if event.get("pattern_detected"):
        return event["pattern_detected"]
    return pattern_subject(event.get("pattern_key")) or "a coaching event"


# --------------------------------------------------------------------------------------
# reads (one query per source for all the events of the page)


def read_assessments(cur, events: list[dict]) -> dict[tuple, dict]:
    """(rep_id, skill, assessment_date) -> the skill_assessment_log row, for each skill event
    at its last_assessed_on (or at the rep's latest assessment of that skill when the log has
    no such date)."""
    wanted = [(e["rep_id"], skill_of(e.get("pattern_key"))) for e in events if skill_of(e.get("pattern_key"))]
    if not wanted or not has_table(cur, "coaching", "skill_assessment_log"):
        return {}
    have = columns_of(cur, "coaching", "skill_assessment_log")
    optional = [c for c in ("role", "severity", "components", "cohort_percentile", "weakest_component",
                            "weakest_value", "weakest_target") if c in have]
    picked = ", ".join(["rep_id", "skill", "assessment_date", "score", "level", "trend", *optional])
    found = rows(cur, f"""
        select {picked} from coaching.skill_assessment_log
        where list_contains(?::varchar[], rep_id) and list_contains(?::varchar[], skill)""",
                 [sorted({r for r, _ in wanted}), sorted({s for _, s in wanted})])
    return {(r["rep_id"], r["skill"], r["assessment_date"]): r for r in found}


def assessment_of(assessments: dict[tuple, dict], event: dict) -> dict | None:
    skill = skill_of(event.get("pattern_key"))
    if skill is None:
        return None
    day = event.get("last_assessed_on")
    if day is not None:
        return assessments.get((event["rep_id"], skill, day))
    dated = [k for k in assessments if k[0] == event["rep_id"] and k[1] == skill]
    return assessments[max(dated, key=lambda k: k[2])] if dated else None


def read_cohorts(cur, assessed: list[dict]) -> dict[tuple, dict]:
    """(role, skill, assessment_date) -> size (scored reps) and median score of that cohort."""
    keys = sorted({(a["role"], a["skill"], a["assessment_date"]) for a in assessed if a.get("role")})
    if not keys:
        return {}
    found = rows(cur, """
        select role, skill, assessment_date, count(score) as size, median(score) as median
        from coaching.skill_assessment_log
        where list_contains(?::varchar[], role) and list_contains(?::varchar[], skill)
          and list_contains(?::date[], assessment_date)
        group by all""", [sorted({k[0] for k in keys}), sorted({k[1] for k in keys}), sorted({k[2] for k in keys})])
    return {(r["role"], r["skill"], r["assessment_date"]): r for r in found}


# --------------------------------------------------------------------------------------
# shaping (pure)


def _components(text: str | None) -> list[dict]:
    try:
        items = json.loads(text or "[]")
    except ValueError:
        return []
    return [c for c in items if isinstance(c, dict)] if isinstance(items, list) else []


def sample_unit(component: str, cfg: CoachingSettings) -> tuple[str, int | None, int] | None:
    """(what the component counts, the window in days or None, the minimum it needs) as the
    skill assessment counts it (coaching/component_values.py); None outside the catalogue."""
    c = BY_NAME.get(component)
    if c is None:
        return None
    if c.source == "scorecards":
        return "scorecard answers", cfg.conversation_window_days, cfg.min_calls
    if c.source == "gong_calls":
        return "External calls", cfg.conversation_window_days, cfg.min_calls
    if c.evidence == "closed_deals":
        return "closed deals", cfg.deal_window_days, cfg.min_closed_deals
    if component == "champion_and_eb_rate":
        return "open and recently closed deals", cfg.deal_window_days, cfg.min_open_deals
    return "open deals", None, cfg.min_open_deals


def _sample(event: dict, assessment: dict | None, cfg: CoachingSettings) -> dict | None:
    component = (assessment or {}).get("weakest_component")
    unit = sample_unit(component, cfg) if component else None
    recorded = event.get("sample_size")
    if recorded is not None:
        size, source = int(recorded), "coaching.coaching_log.sample_size"
    else:
        counted = next((c.get("evidence_count") for c in _components((assessment or {}).get("components"))
                        if c.get("component") == component), None)
        if counted is None:
            return None
        size, source = int(counted), f"{SKILL_LOG}.components (evidence_count of {component})"
    name, window, minimum = unit or ("samples", None, None)
    text = f"{size} {name}"
    if window and assessment:
        text += f" in the {window} days before {day_text(assessment['assessment_date'])}"
    if minimum is not None:
        text += f" (minimum {minimum})"
    return {"size": size, "unit": name, "window_days": window, "minimum": minimum, "text": text, "source": source}


def _benchmark(event: dict, assessment: dict | None, cohort: dict | None, cfg: CoachingSettings) -> dict | None:
    recorded = event.get("benchmark_value")  # the cohort score the engine compared with (coaching/signal.py)
    if assessment is None and recorded is None:
        return None
    out = {"threshold": float(cfg.gap_below), "text": f"a gap is a score below {cfg.gap_below:g}",
           "source": "settings: coaching.gap_below", "cohort": None}
    if recorded is not None:
        out.update(text=f"{out['text']} and below the role cohort's {ordinal(round(cfg.cohort_gap_percentile))} "
                        f"percentile, {num(recorded)} this week", recorded=recorded,
                   source="settings: coaching.gap_below; coaching.coaching_log.benchmark_value")
    if assessment is None:
        return out
    role, pctl = assessment.get("role"), assessment.get("cohort_percentile")
    if role:
        parts = [f"{role} reps assessed on {day_text(assessment['assessment_date'])}"]
        if cohort and cohort["size"]:
            parts.append(f"median {num(cohort['median'])} of {cohort['size']} reps")
        if pctl is not None:
            parts.append(f"this rep at the {ordinal(round(pctl))} percentile")
        out["cohort"] = {"label": role, "as_of": assessment["assessment_date"],
                         "size": cohort["size"] if cohort else None,
                         "median": cohort["median"] if cohort else None, "percentile": pctl,
                         "text": ": ".join([parts[0], ", ".join(parts[1:])]) if len(parts) > 1 else parts[0],
                         "source": f"{SKILL_LOG} (role, cohort_percentile; size and median of the cohort)"}
    return out


def _component(assessment: dict | None, cfg: CoachingSettings) -> dict | None:
    name = (assessment or {}).get("weakest_component")
    if not name:
        return None
    known = BY_NAME.get(name)
    value = format_value(name, assessment.get("weakest_value"))
    target = format_target(name, cfg, assessment.get("weakest_target"))
    phrase = known.phrase.format(v=value) if known else f"{name.replace('_', ' ')} {value}"
    return {"name": name, "label": known.label if known else name.replace("_", " "),
            "value": assessment.get("weakest_value"), "value_text": value, "target_text": target,
            "text": f"{phrase} vs target {target}", "source": f"{SKILL_LOG} (weakest_component, weakest_value)"}


def sparkline(points: list[dict], threshold: float | None, width: int = 160, height: int = 36) -> dict | None:
    """Coordinates of a small trend line of the weekly values (the last SPARK_WEEKS), with the
    threshold as a dashed line when it is in range: drawn by the template as inline SVG."""
    values = [(p["value"], p["flagged"]) for p in points[-SPARK_WEEKS:] if p["value"] is not None]
    if len(values) < 2:
        return None
    span = [v for v, _ in values] + ([threshold] if threshold is not None else [])
    low, high = min(span), max(span)
    low, high = (low - 1, high + 1) if high == low else (low, high)
    pad = 4

    def y(v: float) -> float:
        return round(pad + (high - v) / (high - low) * (height - 2 * pad), 1)

    step = (width - 2 * pad) / (len(values) - 1)
    dots = [{"x": round(pad + i * step, 1), "y": y(v), "flagged": bool(f)} for i, (v, f) in enumerate(values)]
    return {"width": width, "height": height, "points": " ".join(f"{d['x']},{d['y']}" for d in dots),
            "dots": dots, "threshold_y": y(threshold) if threshold is not None else None}


def _trend(weeks: list[dict], assessment: dict | None, threshold: float | None) -> dict | None:
    points = [{"date": w["assessment_date"], "value": w["metric_value"], "flagged": w["flagged"],
               "clock_week": w["clock_week"], "clock_reset": bool(w["clock_reset"]), "escalated": bool(w["escalated"])}
              for w in weeks]
    scored = [p for p in points if p["value"] is not None]
    label = (assessment or {}).get("trend")
    if not scored and not label:
        return None
    text = None
    if len(scored) >= 2:
        text = (f"{num(scored[0]['value'])} on {day_text(scored[0]['date'])} to {num(scored[-1]['value'])} on "
                f"{day_text(scored[-1]['date'])}")
    elif scored:
        text = f"{num(scored[0]['value'])} on {day_text(scored[0]['date'])}, one week so far"
    return {"label": label, "points": points, "text": text, "spark": sparkline(points, threshold),
            "source": HISTORY + (f" and {SKILL_LOG}.trend" if label else "")}


def _examples(raw, kind: str) -> list[dict] | None:
    """Up to three example calls (or deals) of a coaching_log JSON column; None when the
    column is missing (not known), [] when it says there are none. A URL that is not http(s)
    is dropped, the call kept."""
    if raw is None:
        return None
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return []
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        url = str(item.get("url") or "")
        day = item.get("call_date") or item.get("date") or item.get("close_date")
        out.append({"title": item.get("title") or item.get("opportunity_name") or item.get("name")
                    or ("Untitled call" if kind == "calls" else "Unnamed deal"),
                    "url": url if _URL_OK.match(url) else None, "date": day,
                    "detail": item.get("detail") if kind == "deals" else None})
        if len(out) == MAX_EXAMPLES:
            break
    return out


def tier_of(assessment: dict | None) -> int:
    if not assessment:
        return 0
    return SEVERITY_TIERS.get(assessment.get("severity") or "") or TIERS.get(assessment.get("level") or "", 0)


def evidence_of(event: dict, assessment: dict | None, cohort: dict | None, weeks: list[dict],
                cfg: CoachingSettings, have: set[str]) -> dict:
    """The evidence of one event (see the module docstring); `have`: the coaching_log columns."""
    skill = skill_of(event.get("pattern_key"))
    last = next((w for w in reversed(weeks) if w["metric_value"] is not None), None)
    if assessment is not None and assessment.get("score") is not None:
        value = {"value": assessment["score"], "text": num(assessment["score"]), "level": assessment.get("level"),
                 "as_of": assessment["assessment_date"], "source": f"{SKILL_LOG} (score, level)"}
    elif last is not None:
        value = {"value": last["metric_value"], "text": num(last["metric_value"]), "level": None,
                 "as_of": last["assessment_date"], "source": f"{HISTORY} (metric_value)"}
    else:
        value = None
    benchmark = _benchmark(event, assessment, cohort, cfg)
    tier = tier_of(assessment)
    sources = []
    for part in (value, benchmark, (benchmark or {}).get("cohort")):
        if part and part.get("source") and part["source"] not in sources:
            sources.append(part["source"])
    out = {
        "metric": {"key": event.get("pattern_key"),
                   "label": f"{skill_label(skill)} skill score (0-100)" if skill else
                   pattern_subject(event.get("pattern_key"))},
        "value": value, "benchmark": benchmark, "component": _component(assessment, cfg),
        "sample": _sample(event, assessment, cfg),
        "weeks": {"flagged": event.get("weeks_flagged"), "opened_on": event.get("opened_on"),
                  "escalated": bool(event.get("escalated_to_slm")), "escalation_date": event.get("escalation_date"),
                  "source": "coaching.coaching_log (weeks_flagged, opened_on, escalated_to_slm)"},
        "trend": _trend(weeks, assessment, benchmark["threshold"] if benchmark else None),
        "example_calls": _examples(event.get("example_calls"), "calls") if "example_calls" in have else None,
        "example_deals": _examples(event.get("example_deals"), "deals") if "example_deals" in have else None,
        "severity": {"tier": tier, "label": TIER_LABELS[tier]},
    }
    for part in (out["component"], out["sample"], out["weeks"], out["trend"]):
        if part and part["source"] not in sources:
            sources.append(part["source"])
    out["sources"] = sources
    return out


def rank_key(event: dict) -> tuple:
    """Most severe and most persistent first (module docstring); ties: the event id."""
    ev = event["evidence"]
    score = (ev["value"] or {}).get("value")
    return (-ev["severity"]["tier"], not ev["weeks"]["escalated"], -(event.get("weeks_flagged") or 0),
            score if score is not None else math.inf, event.get("opened_on") or dt.date.max, event["coaching_id"])


def attach_evidence(cur, events: list[dict], cfg: CoachingSettings, have: set[str]) -> list[dict]:
    """The events with their evidence, most severe first (reads batched over all events)."""
    assessments = read_assessments(cur, events)
    per_event = {e["coaching_id"]: assessment_of(assessments, e) for e in events}
    cohorts = read_cohorts(cur, [a for a in per_event.values() if a])
    weeks = weekly_rows(cur, [e["coaching_id"] for e in events])
    for e in events:
        a = per_event[e["coaching_id"]]
        cohort = cohorts.get((a.get("role"), a["skill"], a["assessment_date"])) if a else None
        e["evidence"] = evidence_of(e, a, cohort, weeks.get(e["coaching_id"], []), cfg, have)
        for column in EVIDENCE_COLUMNS:  # shown through the evidence only
            e.pop(column, None)
    return sorted(events, key=rank_key)
