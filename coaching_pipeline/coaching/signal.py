"""A signal a manager can act on (coaching contract, "Signal a manager can act on"): which
weekly skill rows open or keep a coaching event, the process gaps reported once instead of
per seller, each event's evidence, and the budget of open focus areas per seller. Pure
functions, called by rules.replay; the persistence clock itself is unchanged.

Decisions where the contract is silent:
- A row is flagged when its skill score is below gap_below (gap_detected, as the log keeps
  it) AND its cohort_percentile within the role is below cohort_gap_percentile. A row
  without a cohort_percentile (no peer scored) is judged on the threshold alone. A gap
  carried by rates over few deals or calls must also survive the doubt of their small
  samples (confidence.py); a week whose gap does not is like a week of insufficient data
  (flagged null): it opens nothing, and an open event's clock neither advances, restarts nor
  resolves, so an event does not flicker shut and open again with the luck of a few deals.
- A process gap is a (role, skill, assessment date) where more than process_gap_share of
  the scored sellers (at least process_gap_min_cohort of them) have the gap. Nobody's row is
  flagged for that skill that week; the week counts for an open event like a week of
  insufficient data (the clock neither advances, restarts nor resolves), since the cohort's
  gap says nothing about the seller's own change.
- The budget: at most max_open_focus_areas open events per seller hold a slot. Walking the
  seller's assessment dates in order, an event keeps its slot until it is resolved or
  dismissed; free slots go to the waiting events, most severe first (tier, then weeks on the
  clock, then the lower score, then the older event). An approved or modified event always
  holds a slot while open (a manager saw it: nothing the manager agreed is taken back). An
  event that never got a slot is `queued`: the manager sees it as queued, it is not offered
  for a decision, and it still escalates (escalations are never held back).
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from ..config import CoachingSettings
from .confidence import survives_doubt

AGREED = ("approved", "modified")
DISMISSED = "dismissed"

PROCESS_GAP_SCHEMA: dict[str, pl.DataType] = {
    "role": pl.String,
    "skill": pl.String,
    "assessment_date": pl.Date,
    "scored_sellers": pl.Int32,
    "sellers_with_gap": pl.Int32,
    "share_with_gap": pl.Float64,
    "median_score": pl.Float64,
    "common_weakest_component": pl.String,
}


def mark_flags(frame: pl.DataFrame, cfg: CoachingSettings) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the skill rows with `flagged` (true / false / null) and their cohort's benchmark
    columns, the process gaps). `frame`: skill_assessment_log rows of the six skills."""
    cohort = ["role", "skill", "assessment_date"]
    scored = pl.col("score").is_not_null()
    gap = pl.col("gap_detected").fill_null(False) & scored
    marked = frame.with_columns(
        pl.col("score").count().over(cohort).alias("cohort_scored"),
        gap.sum().over(cohort).alias("cohort_with_gap"),
        pl.col("score").quantile(cfg.cohort_gap_percentile / 100, "linear").over(cohort).alias("cohort_benchmark"),
    ).with_columns(
        ((pl.col("cohort_scored") >= cfg.process_gap_min_cohort)
         & (pl.col("cohort_with_gap") > cfg.process_gap_share * pl.col("cohort_scored"))).alias("process_gap"),
    )
    relative = pl.col("cohort_percentile").is_null() | (pl.col("cohort_percentile") < cfg.cohort_gap_percentile)
    # only the rows that would flag pay for the doubt test (confidence.py)
    doubt = pl.struct("score", "components").map_elements(
        lambda r: survives_doubt(r["score"], r["components"], cfg), return_dtype=pl.Boolean)
    marked = marked.with_columns(
        pl.when(~scored | pl.col("process_gap")).then(None)
        # a gap the sample cannot confirm says nothing: it opens nothing and leaves an open event as it is
        .when(gap & relative).then(pl.when(doubt).then(True).otherwise(None)).otherwise(False).alias("flagged"),
    )
    return marked, process_gaps(marked)


def process_gaps(marked: pl.DataFrame) -> pl.DataFrame:
    """One row per process gap of `mark_flags`' frame, with what the cohort looks like."""
    rows = marked.filter(pl.col("process_gap"))
    if rows.is_empty():
        return pl.DataFrame(schema=PROCESS_GAP_SCHEMA)
    common = (rows.filter(pl.col("gap_detected").fill_null(False) & pl.col("weakest_component").is_not_null())
              .group_by("role", "skill", "assessment_date", "weakest_component").len()
              .sort(["len", "weakest_component"], descending=[True, False])
              .group_by("role", "skill", "assessment_date", maintain_order=True).first()
              .select("role", "skill", "assessment_date", pl.col("weakest_component").alias("common_weakest_component")))
    out = rows.group_by("role", "skill", "assessment_date").agg(
        pl.col("cohort_scored").first().cast(pl.Int32).alias("scored_sellers"),
        pl.col("cohort_with_gap").first().cast(pl.Int32).alias("sellers_with_gap"),
        pl.col("score").median().alias("median_score"),
    ).with_columns((pl.col("sellers_with_gap") / pl.col("scored_sellers")).alias("share_with_gap"))
    return (out.join(common, on=["role", "skill", "assessment_date"], how="left")
            .select(list(PROCESS_GAP_SCHEMA)).sort(["assessment_date", "role", "skill"]))


def evidence_fields(row: dict, cfg: CoachingSettings) -> dict:
    """An event's evidence at a flagged week: the sample behind its weakest component, and the
    cohort benchmark the row was compared with (its role's cohort_gap_percentile score)."""
    sample = None
    component = row.get("weakest_component")
    try:
        parts = json.loads(row.get("components") or "[]") if isinstance(row.get("components"), str) \
            else (row.get("components") or [])
    except ValueError:
        parts = []
    for part in parts if isinstance(parts, list) else []:
        if isinstance(part, dict) and part.get("component") == component and part.get("evidence_count") is not None:
            sample = int(part["evidence_count"])
    benchmark = row.get("cohort_benchmark")
    scored = row.get("cohort_scored")
    return {
        "_weakest": component, "_weakest_value": row.get("weakest_value"),  # for examples.py, not stored
        "sample_size": sample,
        "benchmark_value": None if benchmark is None else round(float(benchmark), 1),
        "benchmark_cohort": (f"{ordinal(cfg.cohort_gap_percentile)} percentile of {scored} {row.get('role') or ''} "
                             f"sellers scored on {row['assessment_date'].isoformat()}").replace("  ", " ")
        if benchmark is not None and scored else None,
    }


def ordinal(n: float) -> str:
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _tier(score: float | None, cfg: CoachingSettings) -> int:
    if score is None:
        return 0
    return 3 if score < cfg.severity.high_below else 2 if score < cfg.severity.medium_below else 1


def apply_budget(events: list[dict], history: list[dict], decided: dict[str, str] | None,
                 cfg: CoachingSettings) -> None:
    """Set `surfaced_on` (the assessment date the event got its slot, or None) and `queued`
    (open and never surfaced) on each event, in place; see the module docstring. `decided`:
    coaching_id -> approval_status of the events a manager decided."""
    decided = decided or {}
    weeks: dict[str, dict[dt.date, dict]] = {}
    for h in history:
        weeks.setdefault(h["coaching_id"], {})[h["assessment_date"]] = h
    by_rep: dict[str, list[dict]] = {}
    for e in events:
        e["surfaced_on"], e["queued"] = None, False
        by_rep.setdefault(e["rep_id"], []).append(e)
    for rep_events in by_rep.values():
        dates = sorted({d for e in rep_events for d in weeks.get(e["coaching_id"], {})})
        holders: set[str] = set()
        for day in dates:
            active = [e for e in rep_events if e["opened_on"] <= day
                      and (e["resolution_date"] is None or e["resolution_date"] > day)
                      and decided.get(e["coaching_id"]) != DISMISSED]
            ids = {e["coaching_id"] for e in active}
            holders &= ids
            for e in active:  # what a manager agreed keeps its place
                if decided.get(e["coaching_id"]) in AGREED:
                    holders.add(e["coaching_id"])
            waiting = sorted((e for e in active if e["coaching_id"] not in holders),
                             key=lambda e: _rank(e, weeks.get(e["coaching_id"], {}).get(day), cfg))
            for e in waiting[:max(0, cfg.max_open_focus_areas - len(holders))]:
                holders.add(e["coaching_id"])
            for e in active:
                if e["coaching_id"] in holders and e["surfaced_on"] is None:
                    e["surfaced_on"] = day
    for e in events:
        e["queued"] = e["status"] == "open" and e["surfaced_on"] is None and e["coaching_id"] not in decided


def queued_refusal(event: dict, cfg: CoachingSettings) -> str | None:
    """Why a queued event cannot be decided yet (the CLI and the workbench refuse it alike);
    None when it is not queued."""
    if not event.get("queued"):
        return None
    return (f"coaching event {event['coaching_id']} is queued: rep {event['rep_id']} already has "
            f"{cfg.max_open_focus_areas} open focus areas (max_open_focus_areas); it comes to the manager when one "
            "of them is resolved or dismissed")


def priority(score: float | None, weeks: int | None, opened_on: dt.date, coaching_id: str,
             cfg: CoachingSettings) -> tuple:
    """Most severe and persistent first: the tier of the score, the weeks on the clock, the
    lower score, the older event (the budget's order, and the manager digest's)."""
    return (-_tier(score, cfg), -(weeks or 0), score if score is not None else float("inf"), opened_on, coaching_id)


def _rank(event: dict, week: dict | None, cfg: CoachingSettings) -> tuple:
    week = week or {}
    score = week.get("metric_value")
    if not (event.get("pattern_key") or "skill:").startswith("skill:"):
        # a role metric's value is a rate, not a 0-100 score: it ranks as a medium gap
        score = (cfg.severity.high_below + cfg.severity.medium_below) / 2
    return priority(score, week.get("clock_week"), event["opened_on"], event["coaching_id"], cfg)


__all__ = ["PROCESS_GAP_SCHEMA", "apply_budget", "evidence_fields", "mark_flags", "priority", "process_gaps", "queued_refusal"]
