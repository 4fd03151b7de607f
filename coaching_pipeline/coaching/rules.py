"""Coaching log, escalations and daily flags: pure functions on polars frames (coaching
contract, "Coaching log, approvals and escalations"). The persistence clock of one skill is
persistence.PersistenceClock; the texts are in wording.py, the ids in ids.py.

`replay` folds EVERY weekly skill assessment in date order, so its result depends only on
the set of assessments (never on the order in which weeks were assessed, nor on the wall
clock): ids are hashes of what identifies a row. The state module persists the result.

Decisions where the design is silent:
- Which weeks are flagged (relative to the role cohort, process gaps left out), each event's
  evidence and the budget of open focus areas are signal.py's.
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
import json
from dataclasses import dataclass

import polars as pl

from ..config import SKILLS, CoachingSettings, settings
from ..fiscal import days_left, monday_of
from . import example_deals, examples, role_patterns, signal, wording
from .components import OVERALL
from .evidence import Evidence
from .ids import escalation_id, flag_id
from .persistence import PersistenceClock
from .role_clock import fold_role_patterns
from .wording import NO_SLM_NOTE

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
    # the evidence at the latest flagged week, and the budget (signal.py)
    "sample_size": pl.Int32,
    "benchmark_value": pl.Float64,
    "benchmark_cohort": pl.String,
    "surfaced_on": pl.Date,
    "queued": pl.Boolean,
    "example_calls": pl.String,  # JSON: up to 3 calls showing the gap (examples.py)
    "example_deals": pl.String,  # JSON: up to 3 deals showing the gap (example_deals.py)
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


@dataclass(frozen=True)
class Replay:
    """The coaching state implied by all weekly assessments."""

    events: pl.DataFrame
    history: pl.DataFrame
    escalations: pl.DataFrame
    process_gaps: pl.DataFrame


# --------------------------------------------------------------------------------------
# helpers


def _as_frame(frame: pl.DataFrame | None, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    if frame is None or frame.is_empty():
        return pl.DataFrame(schema=schema)
    return frame


def _hierarchy(users: pl.DataFrame | None) -> dict[str, dict]:
    if users is None or users.is_empty():
        return {}
    cols = [c for c in ("user_id", "user_name", "role", "manager_id", "slm_id") if c in users.columns]
    return {r["user_id"]: r for r in users.select(cols).iter_rows(named=True)}


# --------------------------------------------------------------------------------------
# replay


def replay(
    assessments: pl.DataFrame,
    users: pl.DataFrame | None,
    attainment: pl.DataFrame | None,
    cfg: CoachingSettings | None = None,
    decided: dict[str, str] | None = None,
    calls: pl.DataFrame | None = None,
    deal_evidence: Evidence | None = None,
    role_metrics: pl.DataFrame | None = None,
    roles=None,
) -> Replay:
    """Fold all weekly assessments (rows of coaching.skill_assessment_log) in date order
    into coaching events, their weekly history and escalations (persistence, attainment,
    bottom quartile), with the process gaps and the focus-area budget of signal.py.
    `decided`: coaching_id -> approval_status of the events managers decided (the budget
    keeps what they agreed, and frees what they dismissed); `calls`: the Gong calls the
    example calls are picked from (examples.py); `deal_evidence`: the deals, stage and
    close-date history the example deals are (example_deals.py); `role_metrics`: the mart's
    monthly rows, assessed as role patterns at the weekly assessments that follow each month
    (role_patterns.py, with `roles`, the settings' roles section). Pure and order-independent."""
    cfg = cfg or settings().coaching
    hierarchy = _hierarchy(users)
    events: list[dict] = []
    history: list[dict] = []
    escalations: list[dict] = []
    gaps = pl.DataFrame(schema=signal.PROCESS_GAP_SCHEMA)

    if assessments is not None and not assessments.is_empty():
        frame = (
            assessments.sort(["rep_id", "skill", "assessment_date", "score"], nulls_last=True)
            .unique(subset=["rep_id", "skill", "assessment_date"], keep="first", maintain_order=True)
        )
        is_skill = pl.col("skill").is_in(list(SKILLS))
        marked, gaps = signal.mark_flags(frame.filter(is_skill), cfg)
        frame = pl.concat([marked, frame.filter(~is_skill)], how="diagonal_relaxed").sort(
            ["rep_id", "skill", "assessment_date"])
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
            elif skill == OVERALL:
                escalations += _bottom_quartile(rep_id, rows, hierarchy.get(rep_id), rep_latest[rep_id], cfg)
    else:
        rep_latest = {}

    if attainment is not None and not attainment.is_empty():
        escalations += _attainment_escalations(attainment, hierarchy, rep_latest, cfg)

    if role_metrics is not None and not role_metrics.is_empty():
        roles = roles or settings().roles
        assessed = [] if assessments is None or assessments.is_empty() else \
            assessments["assessment_date"].unique().to_list()
        ev, hi, es = fold_role_patterns(role_patterns.metric_assessments(role_metrics, assessed, roles, cfg.flag_confidence),
                                        lambda row: _people(row["rep_id"], hierarchy.get(row["rep_id"]), row), cfg)
        events, history, escalations = events + ev, history + hi, escalations + es
        escalations += role_patterns.book_tier_drop_escalations(role_metrics, assessed, roles, hierarchy)

    escalations = [without_slm_to_manager(e) for e in escalations]
    signal.apply_budget(events, history, decided, cfg)
    by_rep = examples.calls_by_rep(calls)
    deals_of = example_deals.deals_by_rep(deal_evidence, cfg)
    for event in events:
        event["example_calls"] = examples.example_calls(event, by_rep.get(event["rep_id"]), cfg)
        event["example_deals"] = example_deals.example_deals(event, deals_of.get(event["rep_id"]), cfg)
    return Replay(
        events=_frame(events, EVENT_SCHEMA, ["rep_id", "pattern_key", "opened_on"]),
        history=_frame(history, HISTORY_SCHEMA, ["coaching_id", "assessment_date"]),
        escalations=_frame(escalations, ESCALATION_SCHEMA, ["escalation_date", "rep_id", "rule", "pattern_key"]),
        process_gaps=gaps,
    )


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
    clock = PersistenceClock(rep_id, skill, _people(rep_id, user, latest), cfg)
    for row in rows:
        clock.week(row)
    return clock.finish()


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
            out.append({
                "escalation_id": escalation_id("bottom_quartile", rep_id, BOTTOM_QUARTILE_PATTERN, day),
                "rep_id": rep_id, "role": people["role"], "rule": "bottom_quartile",
                "pattern_key": BOTTOM_QUARTILE_PATTERN, "coaching_id": None, "escalated_to": "manager",
                "manager_id": people["manager_id"], "slm_id": people["slm_id"], "escalation_date": day,
                "reason": wording.bottom_quartile_reason(people["role"], streak, day),
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
                out.append({
                    "escalation_id": escalation_id("attainment", rep_id, ATTAINMENT_PATTERN, day),
                    "rep_id": rep_id, "role": role, "rule": "attainment", "pattern_key": ATTAINMENT_PATTERN,
                    "coaching_id": None, "escalated_to": "manager_and_slm",
                    "manager_id": people["manager_id"], "slm_id": people["slm_id"],
                    "escalation_date": day, "reason": wording.attainment_reason(att, left, cfg),
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
            left = days_left(end, run_date)
            if att < cfg.attainment_below and left < cfg.attainment_days_left:
                quarter = row.get("fiscal_quarter") or f"the quarter ending {end.isoformat()}"
                fid = flag_id(row["rep_id"], "attainment", week, None)
                rows.setdefault(fid, {
                    "flag_id": fid, "rep_id": row["rep_id"], "manager_id": row.get("manager_id"),
                    "rule": "attainment", "flag_week": week, "flag_date": run_date,
                    "detail": wording.attainment_flag_detail(att, left, quarter, cfg),
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
            rows.setdefault(fid, {
                "flag_id": fid, "rep_id": rep_id,
                "manager_id": row.get("manager_id") or managers.get(rep_id),
                "rule": LARGE_DEAL_RULE, "flag_week": week, "flag_date": run_date,
                "detail": wording.large_deal_detail(row),
                "opportunity_id": row["opportunity_id"],
            })

    return _frame(list(rows.values()), DAILY_FLAG_SCHEMA, ["rep_id", "rule", "opportunity_id"])
