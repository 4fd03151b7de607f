"""Coaching log, persistence clock, escalations and daily flags: pure functions on polars
frames (coaching contract, "Coaching log, approvals and escalations").

`replay` folds EVERY weekly skill assessment in date order, so its result depends only on
the set of assessments (never on the order in which weeks were assessed, nor on the wall
clock): ids are hashes of what identifies a row. The state module persists the result.

Decisions where the design is silent:
- Events are opened for the six skills only; the 'overall' row drives the bottom-quartile
  rule, not an event of its own.
- A week whose skill score is null (insufficient data) neither advances, restarts nor
  resolves the clock: the event stays open and the week is kept in its history with
  flagged = null. A week a rep was not assessed at all leaves no trace.
- The 10% improvement is relative to the previous scored assessment of the event:
  score - previous >= 10% x previous (and score > previous).
- Persistence escalations fire every time the clock reaches a multiple of
  persistence_weeks (3, 6, 9...): the first one is "the escalation" (event columns
  escalated_to_slm, escalation_date, escalation_reason keep the first); the later ones are
  the "persisted 3 more weeks" re-flags. A 10% improvement restarts the clock at 1, so the
  count since an escalation restarts too.
- The event's manager and SLM are the rep's current ones (users frame), falling back to the
  manager of the rep's latest assessment when the rep is not in users. pattern_detected and
  recommended_action describe the latest flagged assessment of the event.
- Bottom quartile: weeks without an overall cohort_percentile are skipped (they neither
  extend nor break the streak); the streak escalates at the first assessment at least
  bottom_quartile_days after its first week.
- Attainment: the quarter of an attainment row is identified by its fiscal_quarter column
  when present, else by assessment_date + days_left (the quarter's last day).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import polars as pl

from ..config import SKILLS, CoachingSettings, settings

EVENT_SCHEMA: dict[str, pl.DataType] = {
    "coaching_id": pl.String,
    "rep_id": pl.String,
    "rep_name": pl.String,
    "role": pl.String,
    "manager_id": pl.String,
    "slm_id": pl.String,
    "pattern_key": pl.String,
    "pattern_detected": pl.String,
    "recommended_action": pl.String,
    "opened_on": pl.Date,
    "last_assessed_on": pl.Date,
    "weeks_flagged": pl.Int32,
    "escalated_to_slm": pl.Boolean,
    "escalation_date": pl.Date,
    "escalation_reason": pl.String,
    "resolution_date": pl.Date,
    "improvement_detected": pl.Boolean,
    "status": pl.String,
}

HISTORY_SCHEMA: dict[str, pl.DataType] = {
    "coaching_id": pl.String,
    "assessment_date": pl.Date,
    "flagged": pl.Boolean,
    "metric_value": pl.Float64,
    "clock_week": pl.Int32,
    "clock_reset": pl.Boolean,
    "escalated": pl.Boolean,
}

ESCALATION_SCHEMA: dict[str, pl.DataType] = {
    "escalation_id": pl.String,
    "rep_id": pl.String,
    "role": pl.String,
    "rule": pl.String,
    "pattern_key": pl.String,
    "coaching_id": pl.String,
    "escalated_to": pl.String,
    "manager_id": pl.String,
    "slm_id": pl.String,
    "escalation_date": pl.Date,
    "reason": pl.String,
    "history": pl.String,
}

DAILY_FLAG_SCHEMA: dict[str, pl.DataType] = {
    "flag_id": pl.String,
    "rep_id": pl.String,
    "manager_id": pl.String,
    "rule": pl.String,
    "flag_week": pl.Date,
    "flag_date": pl.Date,
    "detail": pl.String,
    "opportunity_id": pl.String,
}

ATTAINMENT_PATTERN = "metric:attainment"
BOTTOM_QUARTILE_PATTERN = "metric:overall_bottom_quartile"
LARGE_DEAL_RULE = "large_deal_red"
_EPS = 1e-9

SKILL_LABELS = {
    "discovery": "Discovery",
    "qualification": "Qualification",
    "presentation": "Presentation",
    "objection_handling": "Objection handling",
    "negotiation": "Negotiation",
    "closing": "Closing",
    "overall": "Overall",
}

# component -> (unit, label, pattern phrase with {v}, advice)
_COMPONENTS: dict[str, tuple[str, str, str, str]] = {
    "questions_per_call": (
        "count", "questions per call", "{v} questions per call",
        "prepare open questions on pain, impact and the decision process before each call, and "
        "review a recorded call with the manager to find where more questions fit",
    ),
    "longest_customer_story_s": (
        "seconds", "the customer's longest story", "customer's longest story {v}",
        "ask open follow-up questions (\"tell me more about...\") and let the customer finish "
        "before answering",
    ),
    "patience_s": (
        "seconds", "patience (pause before answering)", "patience {v}",
        "pause about a second after the customer stops speaking before answering; review two "
        "recorded calls with the manager for interruptions",
    ),
    "scorecard_discovery": (
        "score", "the discovery scorecard score", "discovery scorecard {v}",
        "go through the discovery questions of the call scorecard with the manager on two recent calls",
    ),
    "meddpicc_completeness": (
        "share", "MEDDPICC completeness of open deals", "MEDDPICC completeness {v}",
        "fill in the missing MEDDPICC elements of every open deal and review them in the next "
        "pipeline call with the manager",
    ),
    "champion_and_eb_rate": (
        "share", "champion and economic-buyer identification", "champion and economic buyer identified on {v} of deals",
        "name a champion and get access to the economic buyer on each open deal; map the "
        "stakeholders with the manager",
    ),
    "early_disqualification_rate": (
        "share", "early disqualification of lost deals", "{v} of lost deals disqualified early",
        "agree go/no-go criteria with the manager and apply them in the first weeks of every deal "
        "so weak opportunities are qualified out early",
    ),
    "longest_monologue_s": (
        "seconds", "the longest monologue", "longest monologue {v}",
        "break long explanations with a check-in question every couple of minutes and rehearse "
        "the demo in short segments",
    ),
    "talk_ratio": (
        "share", "talk ratio", "talk ratio {v}",
        "let the customer speak more: ask open questions and summarise instead of presenting",
    ),
    "scorecard_presentation": (
        "score", "the presentation scorecard score", "presentation scorecard {v}",
        "rehearse the demo with the manager against the presentation questions of the call scorecard",
    ),
    "scorecard_objection_handling": (
        "score", "the objection-handling scorecard score", "objection-handling scorecard {v}",
        "role-play the most common objections with the manager using the objection questions of "
        "the call scorecard",
    ),
    "objection_calls_with_next_steps": (
        "share", "objection calls that still reach a next step", "{v} of objection calls reached a next step",
        "after handling an objection, close the call with an agreed next step and date",
    ),
    "late_stage_win_rate": (
        "share", "the late-stage win rate", "late-stage win rate {v}",
        "review every late-stage deal with the manager: confirm decision process, paper process "
        "and pricing before sending the proposal",
    ),
    "deal_size_vs_role_median": (
        "ratio", "won deal size vs the role median", "won deal size {v} the role median",
        "anchor value earlier and widen deals (more stakeholders, more use cases) before "
        "discussing price",
    ),
    "next_steps_call_share": (
        "share", "calls ending with a next step", "next steps on {v} of calls",
        "end every customer call with an agreed next step, owner and date",
    ),
    "win_rate": (
        "share", "the win rate", "win rate {v}",
        "review recent lost deals with the manager to find where they stall, and qualify weak "
        "opportunities out earlier",
    ),
    "close_date_kept_rate": (
        "share", "deals closing on their first close date", "close date kept on {v} of deals",
        "set close dates from the customer's agreed timeline (mutual action plan) and review "
        "them every week",
    ),
    "scorecard_closing": (
        "score", "the closing scorecard score", "closing scorecard {v}",
        "go through the closing questions of the call scorecard with the manager on two recent calls",
    ),
}


@dataclass(frozen=True)
class Replay:
    """The coaching state implied by all weekly assessments."""

    events: pl.DataFrame
    history: pl.DataFrame
    escalations: pl.DataFrame


# --------------------------------------------------------------------------------------
# helpers


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


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _num(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text


def format_value(component: str | None, value: float | None) -> str:
    if value is None:
        return "n/a"
    unit = _COMPONENTS.get(component or "", ("plain",))[0]
    if unit == "count":
        return _num(value, 1)
    if unit == "seconds":
        return f"{_num(value, 0 if abs(value) >= 10 else 1)} s"
    if unit == "share":
        return f"{value * 100:.0f}%"
    if unit == "ratio":
        return f"{value:.2f}x"
    if unit == "score":
        return f"{value:.0f}/100"
    return f"{value:g}"


def format_target(component: str | None, cfg: CoachingSettings, fallback: str | None) -> str:
    """The target band in the component's unit ('11-14', '40-50%', 'at most 150 s')."""
    band = cfg.targets.get(component or "")
    if band is None:
        return fallback or "n/a"
    unit = _COMPONENTS.get(component or "", ("plain",))[0]

    def one(x: float) -> str:
        if unit == "share":
            return f"{x * 100:g}%"
        if unit == "seconds":
            return f"{x:g} s"
        if unit == "ratio":
            return f"{x:g}x"
        return f"{x:g}"

    if band.high >= 1e5:
        return f"at least {one(band.low)}"
    if band.low <= 0 and band.zero_below is None:
        return f"at most {one(band.high)}"
    if unit == "share":
        return f"{band.low * 100:g}-{band.high * 100:g}%"
    if unit == "seconds":
        return f"{band.low:g}-{band.high:g} s"
    return f"{one(band.low)}-{one(band.high)}"


def describe_gap(row: dict, cfg: CoachingSettings) -> tuple[str, str]:
    """(pattern_detected, recommended_action) of one flagged skill assessment row."""
    skill = row["skill"]
    label = SKILL_LABELS.get(skill, skill.replace("_", " ").capitalize())
    head = f"{label} {row['score']:.1f} ({row.get('level') or 'n/a'})"
    component = row.get("weakest_component")
    if not component:
        return head, (
            f"Review the {label.lower()} skill with the rep on two recent calls or deals and agree "
            f"one concrete behaviour to change before the next assessment."
        )
    value = format_value(component, row.get("weakest_value"))
    target = format_target(component, cfg, row.get("weakest_target"))
    unit, plain_label, phrase, advice = _COMPONENTS.get(
        component,
        ("plain", component.replace("_", " "), component.replace("_", " ") + " {v}",
         "review this component with the manager on recent calls and deals"),
    )
    pattern = f"{head}: {phrase.format(v=value)} vs target {target}"
    action = f"{label}: bring {plain_label} from {value} into the target of {target}: {advice}."
    return pattern, action


def _as_frame(frame: pl.DataFrame | None, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    if frame is None or frame.is_empty():
        return pl.DataFrame(schema=schema)
    return frame


def _hierarchy(users: pl.DataFrame | None) -> dict[str, dict]:
    if users is None or users.is_empty():
        return {}
    cols = [c for c in ("user_id", "user_name", "role", "manager_id", "slm_id") if c in users.columns]
    return {r["user_id"]: r for r in users.select(cols).iter_rows(named=True)}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# --------------------------------------------------------------------------------------
# replay


def replay(
    assessments: pl.DataFrame,
    users: pl.DataFrame | None,
    attainment: pl.DataFrame | None,
    cfg: CoachingSettings | None = None,
) -> Replay:
    """Fold all weekly assessments (rows of coaching.skill_assessment_log) in date order
    into coaching events, their weekly history and escalations (persistence, attainment,
    bottom quartile). Pure and order-independent."""
    cfg = cfg or settings().coaching
    hierarchy = _hierarchy(users)
    events: list[dict] = []
    history: list[dict] = []
    escalations: list[dict] = []

    if assessments is not None and not assessments.is_empty():
        frame = (
            assessments.sort(["rep_id", "skill", "assessment_date", "score"], nulls_last=True)
            .unique(subset=["rep_id", "skill", "assessment_date"], keep="first", maintain_order=True)
        )
        latest = (
            frame.sort(["rep_id", "assessment_date"]).group_by("rep_id", maintain_order=True).last()
        )
        rep_latest = {r["rep_id"]: r for r in latest.iter_rows(named=True)}
        for (rep_id, skill), group in frame.group_by(["rep_id", "skill"], maintain_order=True):
            rows = group.sort("assessment_date").to_dicts()
            if skill in SKILLS:
                ev, hi, es = _fold_skill(rep_id, skill, rows, hierarchy.get(rep_id), rep_latest[rep_id], cfg)
                events += ev
                history += hi
                escalations += es
            elif skill == "overall":
                escalations += _bottom_quartile(rep_id, rows, hierarchy.get(rep_id), rep_latest[rep_id], cfg)
    else:
        rep_latest = {}

    if attainment is not None and not attainment.is_empty():
        escalations += _attainment_escalations(attainment, hierarchy, rep_latest, cfg)

    escalations = [without_slm_to_manager(e) for e in escalations]
    return Replay(
        events=_frame(events, EVENT_SCHEMA, ["rep_id", "pattern_key", "opened_on"]),
        history=_frame(history, HISTORY_SCHEMA, ["coaching_id", "assessment_date"]),
        escalations=_frame(escalations, ESCALATION_SCHEMA, ["escalation_date", "rep_id", "rule", "pattern_key"]),
    )


NO_SLM_NOTE = ("Sent to the manager: this seller has no second-line manager (their manager has no "
               "manager in the CRM).")


def without_slm_to_manager(escalation: dict) -> dict:
    """Where a seller has no SLM, what goes to the SLM goes to the manager instead (coaching
    contract), saying so in its reason; the weekly run counts these as a warning."""
    if escalation["slm_id"] is not None or escalation["escalated_to"] not in ("slm", "manager_and_slm"):
        return escalation
    return {**escalation, "escalated_to": "manager", "reason": f"{escalation['reason']} {NO_SLM_NOTE}"}


def _frame(rows: list[dict], schema: dict[str, pl.DataType], order: list[str]) -> pl.DataFrame:
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame([{k: r[k] for k in schema} for r in rows], schema=schema).sort(order, nulls_last=True)


def _people(rep_id: str, user: dict | None, latest: dict) -> dict:
    user = user or {}
    return {
        "rep_name": user.get("user_name") or None,
        "role": latest.get("role") or user.get("role"),
        "manager_id": user.get("manager_id") or latest.get("manager_id"),
        "slm_id": user.get("slm_id"),
    }


def _fold_skill(rep_id, skill, rows, user, latest, cfg: CoachingSettings):
    pattern_key = f"skill:{skill}"
    label = SKILL_LABELS[skill]
    people = _people(rep_id, user, latest)
    pw = cfg.persistence_weeks
    events, history, escalations = [], [], []
    ev: dict | None = None
    ev_history: list[dict] = []
    run: list[tuple[dt.date, float]] = []  # (date, score) of the current clock run
    last_score: float | None = None

    def record(day, flagged, value, clock, reset, escalated):
        row = {
            "coaching_id": ev["coaching_id"], "assessment_date": day, "flagged": flagged,
            "metric_value": value, "clock_week": clock, "clock_reset": reset, "escalated": escalated,
        }
        ev_history.append(row)
        history.append(row)

    def escalate(day: dt.date, weakest_text: str):
        first = not ev["escalated_to_slm"]
        since = ev.get("_last_escalation")
        weeks = [(d, s) for d, s in run if since is None or d > since]
        scores = ", ".join(f"{s:.1f}" for _, s in weeks)
        dates = ", ".join(d.isoformat() for d, _ in weeks)
        if first:
            reason = (
                f"{label} below {cfg.gap_below:g} at {len(weeks)} consecutive weekly assessments without a "
                f"{cfg.improvement_reset * 100:g}% improvement ({scores} on {dates}); {weakest_text}"
            )
        else:
            reason = (
                f"{label} still below {cfg.gap_below:g} at {len(weeks)} more weekly assessments without a "
                f"{cfg.improvement_reset * 100:g}% improvement since the escalation of {since.isoformat()} "
                f"({scores} on {dates}); {weakest_text}"
            )
        ev["_last_escalation"] = day
        if first:
            ev.update(escalated_to_slm=True, escalation_date=day, escalation_reason=reason)
        escalations.append({
            "escalation_id": escalation_id("persistence", rep_id, pattern_key, day),
            "rep_id": rep_id, "role": people["role"], "rule": "persistence",
            "pattern_key": pattern_key, "coaching_id": ev["coaching_id"], "escalated_to": "slm",
            "manager_id": people["manager_id"], "slm_id": people["slm_id"], "escalation_date": day,
            "reason": reason,
            "history": json.dumps([
                {**{k: v for k, v in h.items() if k != "coaching_id"}, "assessment_date": _iso(h["assessment_date"])}
                for h in ev_history
            ]),
        })

    for row in rows:
        day, score = row["assessment_date"], row["score"]
        if score is None:
            if ev is not None:
                record(day, None, None, ev["weeks_flagged"], False, False)
            continue
        flagged = bool(row.get("gap_detected"))
        if ev is None:
            if not flagged:
                continue
            pattern, action = describe_gap(row, cfg)
            ev = {
                "coaching_id": coaching_id(rep_id, pattern_key, day), "rep_id": rep_id, **people,
                "pattern_key": pattern_key, "pattern_detected": pattern, "recommended_action": action,
                "opened_on": day, "last_assessed_on": day, "weeks_flagged": 1,
                "escalated_to_slm": False, "escalation_date": None, "escalation_reason": None,
                "resolution_date": None, "improvement_detected": False, "status": "open",
            }
            ev_history = []
            run = [(day, score)]
            reset = False
        elif not flagged:
            record(day, False, score, None, False, False)
            ev.update(last_assessed_on=day, resolution_date=day, improvement_detected=True, status="resolved")
            events.append(ev)
            ev, last_score = None, None
            continue
        else:
            reset = last_score is not None and score > last_score and (
                score - last_score >= cfg.improvement_reset * last_score - _EPS
            )
            if reset:
                ev["weeks_flagged"] = 1
                run = [(day, score)]
            else:
                ev["weeks_flagged"] += 1
                run.append((day, score))
            pattern, action = describe_gap(row, cfg)
            ev.update(last_assessed_on=day, pattern_detected=pattern, recommended_action=action)
        last_score = score
        clock = ev["weeks_flagged"]
        escalates = clock % pw == 0
        record(day, True, score, clock, reset, escalates)
        if escalates:
            escalate(day, ev["pattern_detected"].split(": ", 1)[-1] if ": " in ev["pattern_detected"]
                     else ev["pattern_detected"])
    if ev is not None:
        events.append(ev)
    return events, history, escalations


def _bottom_quartile(rep_id, rows, user, latest, cfg: CoachingSettings) -> list[dict]:
    people = _people(rep_id, user, latest)
    out = []
    streak: list[dict] = []
    escalated = False
    for row in rows:
        pct = row.get("cohort_percentile")
        if pct is None:
            continue
        if pct >= 25:
            streak, escalated = [], False
            continue
        streak.append(row)
        start = streak[0]["assessment_date"]
        day = row["assessment_date"]
        if not escalated and (day - start).days >= cfg.bottom_quartile_days:
            escalated = True
            pcts = ", ".join(f"{r['cohort_percentile']:.1f}" for r in streak)
            reason = (
                f"Overall score in the bottom quartile of the {people['role'] or 'role'} cohort at "
                f"{len(streak)} consecutive weekly assessments since {start.isoformat()} "
                f"({(day - start).days} days; percentiles {pcts}; latest overall score "
                f"{'n/a' if row.get('score') is None else format(row['score'], '.1f')})"
            )
            out.append({
                "escalation_id": escalation_id("bottom_quartile", rep_id, BOTTOM_QUARTILE_PATTERN, day),
                "rep_id": rep_id, "role": people["role"], "rule": "bottom_quartile",
                "pattern_key": BOTTOM_QUARTILE_PATTERN, "coaching_id": None, "escalated_to": "manager",
                "manager_id": people["manager_id"], "slm_id": people["slm_id"], "escalation_date": day,
                "reason": reason,
                "history": json.dumps([
                    {"assessment_date": r["assessment_date"].isoformat(), "overall_score": r.get("score"),
                     "cohort_percentile": r["cohort_percentile"]}
                    for r in streak
                ]),
            })
    return out


def _attainment_escalations(attainment: pl.DataFrame, hierarchy, rep_latest, cfg: CoachingSettings) -> list[dict]:
    frame = attainment.sort(["rep_id", "assessment_date"]).unique(
        subset=["rep_id", "assessment_date"], keep="first", maintain_order=True
    )
    has_role = "role" in frame.columns
    has_quarter = "fiscal_quarter" in frame.columns
    out = []
    for (rep_id,), group in frame.group_by(["rep_id"], maintain_order=True):
        people = _people(rep_id, hierarchy.get(rep_id), rep_latest.get(rep_id, {}))
        done: set = set()
        seen: dict = {}
        for row in group.sort("assessment_date").iter_rows(named=True):
            role = (row.get("role") if has_role else None) or people["role"]
            day, att, left = row["assessment_date"], row["attainment"], row["days_left"]
            if left is None:
                continue
            quarter = row["fiscal_quarter"] if has_quarter else day + dt.timedelta(days=left)
            seen.setdefault(quarter, []).append(row)
            if role != "AE" or att is None or quarter in done:
                continue
            if att < cfg.attainment_below and left < cfg.attainment_days_left:
                done.add(quarter)
                reason = (
                    f"Attainment {att * 100:.1f}% with {left} days left in the quarter (rule: below "
                    f"{cfg.attainment_below * 100:g}% with fewer than {cfg.attainment_days_left} days left)"
                )
                out.append({
                    "escalation_id": escalation_id("attainment", rep_id, ATTAINMENT_PATTERN, day),
                    "rep_id": rep_id, "role": role, "rule": "attainment", "pattern_key": ATTAINMENT_PATTERN,
                    "coaching_id": None, "escalated_to": "manager_and_slm",
                    "manager_id": people["manager_id"], "slm_id": people["slm_id"],
                    "escalation_date": day, "reason": reason,
                    "history": json.dumps([
                        {"assessment_date": r["assessment_date"].isoformat(), "attainment": r["attainment"],
                         "days_left": r["days_left"]}
                        for r in seen[quarter]
                    ]),
                })
    return out


# --------------------------------------------------------------------------------------
# daily flags


def daily_flags(
    rep_performance_current: pl.DataFrame,
    deals: pl.DataFrame,
    run_date: dt.date,
    cfg: CoachingSettings | None = None,
) -> pl.DataFrame:
    """Point alerts for managers on a nightly run (manager only, never the rep):
    - 'attainment': an AE of the current quarter with attainment < attainment_below and
      fewer than attainment_days_left days left (quarter_end - run_date);
    - 'large_deal_red': an open deal with amount > large_deal_amount in the red health band.
    One row per (rep_id, rule, flag_week, opportunity_id); flag_week is the Monday of run_date."""
    cfg = cfg or settings().coaching
    week = monday_of(run_date)
    rows: dict[str, dict] = {}

    perf = _as_frame(rep_performance_current, {"rep_id": pl.String})
    managers: dict[str, str | None] = {}
    if not perf.is_empty():
        if "is_current_quarter" in perf.columns:
            perf = perf.filter(pl.col("is_current_quarter"))
        if "quarter_start" in perf.columns and "quarter_end" in perf.columns:
            perf = perf.filter((pl.col("quarter_start") <= run_date) & (pl.col("quarter_end") >= run_date))
        perf = perf.sort("rep_id")
        for row in perf.iter_rows(named=True):
            managers.setdefault(row["rep_id"], row.get("manager_id"))
            att, end = row.get("attainment"), row.get("quarter_end")
            if row.get("role") != "AE" or att is None or end is None:
                continue
            left = (end - run_date).days
            if att < cfg.attainment_below and left < cfg.attainment_days_left:
                quarter = row.get("fiscal_quarter") or f"the quarter ending {end.isoformat()}"
                fid = flag_id(row["rep_id"], "attainment", week, None)
                rows.setdefault(fid, {
                    "flag_id": fid, "rep_id": row["rep_id"], "manager_id": row.get("manager_id"),
                    "rule": "attainment", "flag_week": week, "flag_date": run_date,
                    "detail": (
                        f"Attainment {att * 100:.1f}% with {left} days left in {quarter} (flag below "
                        f"{cfg.attainment_below * 100:g}% with fewer than {cfg.attainment_days_left} days left)"
                    ),
                    "opportunity_id": None,
                })

    deals = _as_frame(deals, {"opportunity_id": pl.String})
    if not deals.is_empty():
        deals = deals.filter(
            ~pl.col("is_closed").fill_null(False)
            & (pl.col("amount") > cfg.large_deal_amount)
            & (pl.col("health_band") == "red")
        ).sort("opportunity_id")
        for row in deals.iter_rows(named=True):
            rep_id = row["owner_id"]
            fid = flag_id(rep_id, LARGE_DEAL_RULE, week, row["opportunity_id"])
            name = row.get("opportunity_name") or row["opportunity_id"]
            score = row.get("health_score")
            reasons = row.get("risk_reasons")
            if isinstance(reasons, list | tuple):
                reasons = "; ".join(str(r) for r in reasons)
            detail = (
                f"Open deal {name} ({row['opportunity_id']}) of {row['amount']:,.0f} is in the red health band"
                + (f" (health score {score:g})" if score is not None else "")
                + (f": {reasons}" if reasons else "")
            )
            rows.setdefault(fid, {
                "flag_id": fid, "rep_id": rep_id,
                "manager_id": row.get("manager_id") or managers.get(rep_id),
                "rule": LARGE_DEAL_RULE, "flag_week": week, "flag_date": run_date, "detail": detail,
                "opportunity_id": row["opportunity_id"],
            })

    return _frame(list(rows.values()), DAILY_FLAG_SCHEMA, ["rep_id", "rule", "opportunity_id"])
