"""Weekly skill assessment (coaching contract, "Skill scores"): per seller, six skills and an
overall score for one assessment date, from the evidence read by `evidence.load_evidence`.

For an assessment date d (a Monday):
- conversation evidence: the seller's External Gong calls with call_date in
  [d - conversation_window_days, d - 1], and the scorecard answers given on those calls;
- deal evidence: the seller's deals closed in [d - deal_window_days, d - 1], plus the deals
  open at d (created by d - 1 and not closed before d).
Each component is scored 0-100 against its target band; a component with too little evidence
is null, never 0; a skill is the mean of its non-null components, the overall the weighted
mean of the non-null skills (weights renormalised). Everything is vectorised over sellers.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import polars as pl

from ..config import SKILLS, CoachingSettings, TargetBand, settings
from ..fiscal import fiscal_year_start_month
from .evidence import Evidence

OVERALL = "overall"
SKILL_ORDER = (*SKILLS, OVERALL)

# Scorecard components are already 0-100 (the normalised answer score); without a band of
# their own in settings.targets (key scorecard_<skill>) the score IS that mean: a band whose
# only 100 is 100 and that falls linearly to 0 at 0.
SCORECARD_BAND = TargetBand(low=100, high=100, zero_below=0)

# A target's upper bound at or above this is "no upper bound" in the target text ('>= 1').
OPEN_ENDED_HIGH = 1e5


@dataclass(frozen=True)
class Component:
    name: str
    skill: str
    source: str  # gong_calls | scorecards | crm_deals
    evidence: str  # which minimum applies: calls | closed_deals | open_deals


COMPONENTS: tuple[Component, ...] = (
    Component("questions_per_call", "discovery", "gong_calls", "calls"),
    Component("longest_customer_story_s", "discovery", "gong_calls", "calls"),
    Component("patience_s", "discovery", "gong_calls", "calls"),
    Component("scorecard_discovery", "discovery", "scorecards", "calls"),
    Component("meddpicc_completeness", "qualification", "crm_deals", "open_deals"),
    Component("champion_and_eb_rate", "qualification", "crm_deals", "open_deals"),
    Component("early_disqualification_rate", "qualification", "crm_deals", "closed_deals"),
    Component("longest_monologue_s", "presentation", "gong_calls", "calls"),
    Component("talk_ratio", "presentation", "gong_calls", "calls"),
    Component("scorecard_presentation", "presentation", "scorecards", "calls"),
    Component("scorecard_objection_handling", "objection_handling", "scorecards", "calls"),
    Component("objection_calls_with_next_steps", "objection_handling", "gong_calls", "calls"),
    Component("late_stage_win_rate", "negotiation", "crm_deals", "closed_deals"),
    Component("deal_size_vs_role_median", "negotiation", "crm_deals", "closed_deals"),
    Component("next_steps_call_share", "closing", "gong_calls", "calls"),
    Component("win_rate", "closing", "crm_deals", "closed_deals"),
    Component("close_date_kept_rate", "closing", "crm_deals", "closed_deals"),
    Component("scorecard_closing", "closing", "scorecards", "calls"),
)

# Call metrics averaged per call: component -> int_gong_calls column.
CALL_MEANS = {
    "questions_per_call": "questions_company_count",
    "longest_customer_story_s": "longest_customer_story_s",
    "patience_s": "patience_s",
    "longest_monologue_s": "longest_monologue_s",
    "talk_ratio": "talk_ratio",
}

OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "rep_id": pl.Utf8,
    "role": pl.Utf8,
    "manager_id": pl.Utf8,
    "assessment_date": pl.Date,
    "skill": pl.Utf8,
    "score": pl.Float64,
    "level": pl.Utf8,
    "components": pl.Utf8,
    "gap_detected": pl.Boolean,
    "severity": pl.Utf8,
    "evidence_source": pl.Utf8,
    "trend": pl.Utf8,
    "cohort_percentile": pl.Float64,
    "weakest_component": pl.Utf8,
    "weakest_value": pl.Float64,
    "weakest_target": pl.Utf8,
}

ATTAINMENT_SCHEMA: dict[str, pl.DataType] = {
    "rep_id": pl.Utf8,
    "assessment_date": pl.Date,
    "role": pl.Utf8,
    "attainment": pl.Float64,
    "days_left": pl.Int64,
    "fiscal_quarter": pl.Utf8,
    "quarter_start": pl.Date,
    "quarter_end": pl.Date,
    "won_amount": pl.Decimal(18, 2),
    "quota_amount": pl.Decimal(18, 2),
}

_VALUES_SCHEMA = {"rep_id": pl.Utf8, "component": pl.Utf8, "value": pl.Float64, "evidence_count": pl.Int64}


def _round(expr: pl.Expr, decimals: int) -> pl.Expr:
    # Half away from zero, as an analyst (and SQL round) rounds: 69.95 -> 70.0.
    return expr.round(decimals, mode="half_away_from_zero")


# ----------------------------------------------------------------------------------------
# Scoring helpers


def band_score(value: float | None, band: TargetBand) -> float | None:
    """0-100: 100 inside [low, high]; outside, linear down to 0 at zero_below / zero_above
    (a side without one never falls); None for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value < band.low:
        if band.zero_below is None:
            return 100.0
        if value <= band.zero_below:
            return 0.0
        return 100.0 * (value - band.zero_below) / (band.low - band.zero_below)
    if value > band.high:
        if band.zero_above is None:
            return 100.0
        if value >= band.zero_above:
            return 0.0
        return 100.0 * (band.zero_above - value) / (band.zero_above - band.high)
    return 100.0


def band_score_expr(value: pl.Expr, low: pl.Expr, high: pl.Expr, zero_below: pl.Expr,
                    zero_above: pl.Expr) -> pl.Expr:
    """`band_score` as a polars expression over columns (null bounds: that side never falls)."""
    below = (
        pl.when(zero_below.is_null()).then(100.0)
        .when(value <= zero_below).then(0.0)
        .otherwise(100.0 * (value - zero_below) / (low - zero_below))
    )
    above = (
        pl.when(zero_above.is_null()).then(100.0)
        .when(value >= zero_above).then(0.0)
        .otherwise(100.0 * (zero_above - value) / (zero_above - high))
    )
    return (
        pl.when(value.is_null() | value.is_nan()).then(None)
        .when(value < low).then(below)
        .when(value > high).then(above)
        .otherwise(100.0)
    )


def level_expr(score: pl.Expr, cfg: CoachingSettings) -> pl.Expr:
    """The level whose (inclusive) lower bound is the highest one at or below the score."""
    level = pl.lit(None, dtype=pl.Utf8)
    for lv in sorted(cfg.levels, key=lambda lv: lv.min):
        level = pl.when(score >= lv.min).then(pl.lit(lv.name)).otherwise(level)
    return level


def gap_expr(score: pl.Expr, cfg: CoachingSettings) -> pl.Expr:
    """A gap: score < gap_below (never for a null score)."""
    return (score < cfg.gap_below).fill_null(False)


def severity_expr(score: pl.Expr, cfg: CoachingSettings) -> pl.Expr:
    """high / medium / low for a gap (upper bounds exclusive); null without a gap."""
    return (
        pl.when(~gap_expr(score, cfg)).then(None)
        .when(score < cfg.severity.high_below).then(pl.lit("high"))
        .when(score < cfg.severity.medium_below).then(pl.lit("medium"))
        .otherwise(pl.lit("low"))
    )


def trend_expr(score: pl.Expr, previous: pl.Expr, cfg: CoachingSettings) -> pl.Expr:
    """improving / deteriorating when the (1-decimal) score moved by trend_points or more
    since the previous week, stable otherwise; null when either score is null."""
    change = _round(score - previous, 1)
    return (
        pl.when(change.is_null()).then(None)
        .when(change >= cfg.trend_points).then(pl.lit("improving"))
        .when(change <= -cfg.trend_points).then(pl.lit("deteriorating"))
        .otherwise(pl.lit("stable"))
    )


def cohort_percentile_expr(score: pl.Expr, over: list[str]) -> pl.Expr:
    """percent_rank * 100 (1 decimal) of the score within `over` (e.g. role and skill), null
    scores left out; ties share the lowest rank; a cohort of one is 0."""
    rank = score.rank("min").over(over)
    cohort = score.count().over(over)
    return (
        pl.when(score.is_null()).then(None)
        .when(cohort <= 1).then(0.0)
        .otherwise(_round((rank - 1) / (cohort - 1) * 100.0, 1))
    )


def label_scores(frame: pl.DataFrame, cfg: CoachingSettings) -> pl.DataFrame:
    """Adds level, gap_detected, severity, trend and cohort_percentile to a frame with role,
    skill, score (rounded) and previous (last week's rounded score of the same skill)."""
    score = pl.col("score")
    return frame.with_columns(
        level_expr(score, cfg).alias("level"),
        gap_expr(score, cfg).alias("gap_detected"),
        severity_expr(score, cfg).alias("severity"),
        trend_expr(score, pl.col("previous"), cfg).alias("trend"),
        cohort_percentile_expr(score, ["role", "skill"]).alias("cohort_percentile"),
    )


def _number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def target_text(band: TargetBand) -> str:
    """The target band as an analyst reads it: '11-14', '>= 1', '100'."""
    if band.high >= OPEN_ENDED_HIGH:
        return f">= {_number_text(band.low)}"
    if band.low == band.high:
        return _number_text(band.low)
    return f"{_number_text(band.low)}-{_number_text(band.high)}"


def component_band(component: str, cfg: CoachingSettings) -> TargetBand:
    if component in cfg.targets:
        return cfg.targets[component]
    if component.startswith("scorecard_"):
        return SCORECARD_BAND
    raise KeyError(f"settings coaching.targets has no band for component {component!r}")


def fiscal_quarter_name(quarter_start: dt.date, year_start_month: int) -> str:
    """'2025-Q2', as intermediate.int_fiscal_quarters names it: the fiscal year is named by
    the calendar year in which it ends."""
    months_in = (quarter_start.month - year_start_month) % 12
    year_start_index = quarter_start.year * 12 + quarter_start.month - 1 - months_in
    year_end_index = year_start_index + 11
    return f"{year_end_index // 12}-Q{months_in // 3 + 1}"


def fiscal_quarter(day: dt.date, year_start_month: int) -> tuple[dt.date, dt.date]:
    """(first day, last day) of the fiscal quarter holding `day`."""
    months_back = ((day.month - year_start_month) % 12) % 3
    month_index = day.year * 12 + (day.month - 1) - months_back
    start = dt.date(month_index // 12, month_index % 12 + 1, 1)
    end_index = month_index + 3
    end = dt.date(end_index // 12, end_index % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


# ----------------------------------------------------------------------------------------
# Evidence in the windows of one assessment date


@dataclass(frozen=True)
class _Window:
    calls: pl.DataFrame  # External calls of sellers in the conversation window (+ role)
    closed: pl.DataFrame  # seller deals closed in the deal window
    open: pl.DataFrame  # seller deals open at d


def _sellers(evidence: Evidence) -> pl.DataFrame:
    return (
        evidence.users.filter(pl.col("is_seller").fill_null(False))
        .select(pl.col("user_id").alias("rep_id"), "role", "manager_id", "is_active")
        .unique("rep_id", keep="first")
    )


def _window(evidence: Evidence, d: dt.date, cfg: CoachingSettings, sellers: pl.DataFrame) -> _Window:
    last = d - dt.timedelta(days=1)
    roles = sellers.select("rep_id", "role")
    calls = (
        evidence.calls.filter(
            pl.col("is_external").fill_null(False)
            & pl.col("call_date").is_between(d - dt.timedelta(days=cfg.conversation_window_days), last)
        )
        .join(roles, on="rep_id", how="inner")
    )
    deals = evidence.deals.join(roles.rename({"rep_id": "owner_id"}), on="owner_id", how="inner")
    is_closed = pl.col("is_closed").fill_null(False)
    closed = deals.filter(
        is_closed & pl.col("close_date").is_between(d - dt.timedelta(days=cfg.deal_window_days), last)
    )
    open_ = deals.filter((pl.col("created_date") <= last) & (~is_closed | (pl.col("close_date") >= d)))
    return _Window(calls=calls, closed=closed, open=open_)


def _long(frame: pl.DataFrame, component: str, value: pl.Expr, count: pl.Expr,
          by: str = "rep_id") -> pl.DataFrame:
    """Per rep (the `by` column): one (component, value, evidence_count) row."""
    return (
        frame.group_by(by)
        .agg(value.cast(pl.Float64).alias("value"), count.cast(pl.Int64).alias("evidence_count"))
        .select(pl.col(by).alias("rep_id"), pl.lit(component).alias("component"), "value", "evidence_count")
    )


def _call_values(w: _Window) -> list[pl.DataFrame]:
    calls = w.calls
    out = [_long(calls, comp, pl.col(col).mean(), pl.col(col).count()) for comp, col in CALL_MEANS.items()]
    # Gong lists every tracker of the workspace on a call (0 when not hit): a call without the
    # next-steps tracker (null) tells nothing and is left out, like a call without a stat.
    reported = calls.filter(pl.col("tracker_next_steps").is_not_null())
    next_steps = pl.col("tracker_next_steps") > 0
    out.append(_long(reported, "next_steps_call_share", next_steps.mean(), pl.len()))
    with_objection = reported.filter(pl.col("tracker_objection") > 0)
    out.append(_long(with_objection, "objection_calls_with_next_steps", next_steps.mean(), pl.len()))
    return out


def _question_skill(cfg: CoachingSettings) -> pl.Expr:
    """The skill a question belongs to: the first skill one of whose tags starts the text,
    case-insensitive, followed by ':' (e.g. 'Discovery: ...'); null otherwise."""
    expr = pl.lit(None, dtype=pl.Utf8)
    for skill, tags in reversed(list(cfg.scorecard_tags.items())):
        if not tags:
            continue
        pattern = r"(?i)^\s*(?:" + "|".join(re.escape(t.strip()) for t in tags) + r")\s*:"
        expr = pl.when(pl.col("question_text").str.contains(pattern)).then(pl.lit(skill)).otherwise(expr)
    return expr


def _scorecard_values(evidence: Evidence, w: _Window, cfg: CoachingSettings) -> list[pl.DataFrame]:
    questions = (
        evidence.scorecard_questions
        .with_columns(_question_skill(cfg).alias("tag_skill"))
        .filter(pl.col("tag_skill").is_not_null() & (pl.col("max_range") > pl.col("min_range")))
        .select("scorecard_id", "question_id", "tag_skill", "min_range", "max_range")
    )
    answers = (
        evidence.scorecard_answers
        .filter(~pl.col("not_applicable").fill_null(False) & pl.col("score").is_not_null())
        .join(w.calls.select("call_id", "rep_id"), on="call_id", how="inner")
        .join(questions, on=["scorecard_id", "question_id"], how="inner")
        .with_columns(
            ((pl.col("score") - pl.col("min_range")) / (pl.col("max_range") - pl.col("min_range")) * 100.0)
            .clip(0.0, 100.0).alias("normalised")
        )
    )
    frame = (
        answers.group_by("rep_id", "tag_skill")
        .agg(pl.col("normalised").mean().alias("value"), pl.len().cast(pl.Int64).alias("evidence_count"))
        .select("rep_id", ("scorecard_" + pl.col("tag_skill")).alias("component"), "value", "evidence_count")
    )
    return [frame]


def _text_date(column: str) -> pl.Expr:
    """A field-history value (text) as a date: its first 10 characters, YYYY-MM-DD."""
    return pl.col(column).str.strip_chars().str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)


def _deal_values(evidence: Evidence, w: _Window, d: dt.date, cfg: CoachingSettings) -> list[pl.DataFrame]:
    last = d - dt.timedelta(days=1)
    closed, open_ = w.closed, w.open
    won = pl.col("is_won").fill_null(False)
    out = [
        _long(open_, "meddpicc_completeness", pl.col("meddpicc_completeness").mean(),
              pl.col("meddpicc_completeness").count(), by="owner_id"),
    ]
    # Champion and economic buyer: half a point each, over open deals and deals closed in window.
    both = pl.concat([open_, closed])
    identified = (pl.col("has_champion").fill_null(False).cast(pl.Float64)
                  + pl.col("has_economic_buyer").fill_null(False).cast(pl.Float64)) / 2
    out.append(_long(both, "champion_and_eb_rate", identified.mean(), pl.len(), by="owner_id"))
    lost = closed.filter(~won)
    early = pl.col("sales_cycle_days").fill_null(cfg.early_disqualification_days + 1) <= cfg.early_disqualification_days
    out.append(_long(lost, "early_disqualification_rate", early.mean(), pl.len(), by="owner_id"))
    out.append(_long(closed, "win_rate", won.mean(), pl.len(), by="owner_id"))

    # Reached a late stage: a stage-history snapshot, recorded by d - 1, at or above the probability.
    late_ids = evidence.stage_history.filter(
        (pl.col("created_date") <= last) & (pl.col("probability") >= cfg.late_stage_probability)
    ).select("opportunity_id").unique()
    late = closed.join(late_ids, on="opportunity_id", how="semi")
    out.append(_long(late, "late_stage_win_rate", won.mean(), pl.len(), by="owner_id"))

    # Slipped: a CloseDate change, recorded by d - 1, to a later date than the old value.
    slipped_ids = evidence.close_date_history.filter(
        (pl.col("field_name").str.to_lowercase() == "closedate")
        & (pl.col("created_date") <= last)
        & (_text_date("new_value") > _text_date("old_value"))
    ).select("opportunity_id").unique()
    # Flagged once per deal before grouping: an is_in inside the aggregation is evaluated
    # per group against the whole list (at 5,000 sellers, minutes and 8 GB a week).
    flagged = closed.with_columns(
        kept=~pl.col("opportunity_id").is_in(slipped_ids.get_column("opportunity_id").unique())
    )
    out.append(_long(flagged, "close_date_kept_rate", pl.col("kept").mean(), pl.len(), by="owner_id"))

    # Deal size: the rep's mean won amount / the median won amount of all sellers of the role.
    # Amounts are exact decimals; the ratio is computed from whole cents (integers, exact in
    # a float up to 2^53), so only the ratio itself is a float.
    won_deals = closed.filter(won & pl.col("amount").is_not_null()).with_columns(
        cents=(pl.col("amount") * 100).cast(pl.Int64)
    )
    medians = won_deals.group_by("role").agg(pl.col("cents").median().alias("role_median"))
    size = (
        won_deals.group_by("owner_id", "role")
        .agg(pl.col("cents").sum().alias("total_cents"), pl.len().alias("n"))
        .join(medians, on="role", how="left")
        .select(
            pl.col("owner_id").alias("rep_id"),
            pl.lit("deal_size_vs_role_median").alias("component"),
            pl.when(pl.col("role_median") > 0)
            .then(pl.col("total_cents") / (pl.col("n") * pl.col("role_median"))).alias("value"),
            pl.col("n").cast(pl.Int64).alias("evidence_count"),
        )
    )
    out.append(size)
    return out


def _components_meta(cfg: CoachingSettings) -> pl.DataFrame:
    minimum = {"calls": cfg.min_calls, "closed_deals": cfg.min_closed_deals, "open_deals": cfg.min_open_deals}
    rows = []
    for order, c in enumerate(COMPONENTS):
        band = component_band(c.name, cfg)
        rows.append({
            "component": c.name, "skill": c.skill, "source": c.source, "component_order": order,
            "min_evidence": minimum[c.evidence], "target_low": float(band.low), "target_high": float(band.high),
            "zero_below": band.zero_below, "zero_above": band.zero_above, "target": target_text(band),
        })
    return pl.DataFrame(rows, schema={
        "component": pl.Utf8, "skill": pl.Utf8, "source": pl.Utf8, "component_order": pl.Int64,
        "min_evidence": pl.Int64, "target_low": pl.Float64, "target_high": pl.Float64,
        "zero_below": pl.Float64, "zero_above": pl.Float64, "target": pl.Utf8,
    })


def component_scores(evidence: Evidence, assessment_date: dt.date, cfg: CoachingSettings,
                     reps: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per seller x component: value, evidence_count, score (null with too little
    evidence), with the component's skill, source, target band and target text."""
    sellers = _sellers(evidence)
    reps = sellers.select("rep_id") if reps is None else reps.select("rep_id")
    w = _window(evidence, assessment_date, cfg, sellers)
    values = pl.concat(
        [f.cast(_VALUES_SCHEMA) for f in (*_call_values(w), *_scorecard_values(evidence, w, cfg),
                                           *_deal_values(evidence, w, assessment_date, cfg))],
        how="vertical",
    )
    meta = _components_meta(cfg)
    grid = (
        reps.join(meta, how="cross")
        .join(values, on=["rep_id", "component"], how="left")
        .with_columns(pl.col("evidence_count").fill_null(0))
        .with_columns(
            # Too little evidence: the component is null (value and score), never 0.
            pl.when(pl.col("evidence_count") >= pl.col("min_evidence")).then(pl.col("value")).alias("value")
        )
    )
    score = band_score_expr(pl.col("value"), pl.col("target_low"), pl.col("target_high"),
                            pl.col("zero_below"), pl.col("zero_above"))
    return grid.with_columns(score.alias("score")).sort("rep_id", "component_order")


def _skill_scores(components: pl.DataFrame, cfg: CoachingSettings) -> pl.DataFrame:
    """rep_id, skill, raw (unrounded) score for the six skills and the overall."""
    skills = components.group_by("rep_id", "skill").agg(pl.col("score").mean().alias("raw"))
    weights = pl.DataFrame({"skill": list(cfg.skill_weights), "weight": [float(v) for v in cfg.skill_weights.values()]})
    has = pl.col("raw").is_not_null()
    overall = (
        skills.join(weights, on="skill", how="left")
        .group_by("rep_id")
        .agg(
            (pl.when(has).then(pl.col("weight") * pl.col("raw")).sum()
             / pl.when(has).then(pl.col("weight")).sum()).alias("raw"),
            has.any().alias("any_skill"),
        )
        .select("rep_id", pl.lit(OVERALL).alias("skill"), pl.when("any_skill").then("raw").alias("raw"))
    )
    return pl.concat([skills.select("rep_id", "skill", "raw"), overall], how="vertical")


def _rounded_scores(evidence: Evidence, d: dt.date, cfg: CoachingSettings, reps: pl.DataFrame) -> pl.DataFrame:
    components = component_scores(evidence, d, cfg, reps)
    return _skill_scores(components, cfg).select("rep_id", "skill", _round(pl.col("raw"), 1).alias("score"))


def _assessed_reps(evidence: Evidence, d: dt.date, cfg: CoachingSettings) -> pl.DataFrame:
    """Sellers assessed at d: active ones, plus inactive ones with evidence in the window
    (a rep who left keeps being assessed while their recent calls/deals still count)."""
    sellers = _sellers(evidence)
    w = _window(evidence, d, cfg, sellers)
    with_evidence = pl.concat([
        w.calls.select("rep_id"),
        w.closed.select(pl.col("owner_id").alias("rep_id")),
        w.open.select(pl.col("owner_id").alias("rep_id")),
    ]).unique()
    return sellers.filter(
        pl.col("is_active").fill_null(True) | pl.col("rep_id").is_in(with_evidence["rep_id"].implode())
    )


# ----------------------------------------------------------------------------------------
# Public API


def assess_week(evidence: Evidence, assessment_date: dt.date, cfg: CoachingSettings | None = None) -> pl.DataFrame:
    """Rows of coaching.skill_assessment_log for `assessment_date` (see OUTPUT_SCHEMA):
    one per assessed seller x (six skills + 'overall')."""
    cfg = cfg or settings().coaching
    d = assessment_date
    reps = _assessed_reps(evidence, d, cfg)
    if reps.is_empty():
        return pl.DataFrame(schema=OUTPUT_SCHEMA)

    components = component_scores(evidence, d, cfg, reps)
    skills = _skill_scores(components, cfg).with_columns(_round(pl.col("raw"), 1).alias("score"))
    previous = _rounded_scores(evidence, d - dt.timedelta(days=7), cfg, reps).rename({"score": "previous"})

    # Components JSON: every component of the skill, in a fixed order, null ones included.
    component_json = (
        components.with_columns(
            pl.struct(
                "component",
                _round(pl.col("value"), 4).alias("value"),
                "target_low",
                "target_high",
                _round(pl.col("score"), 1).alias("score"),
                "evidence_count",
            ).struct.json_encode().alias("entry")
        )
        .group_by("rep_id", "skill", maintain_order=True)
        .agg(pl.format("[{}]", pl.col("entry").str.join(", ")).alias("components"))
    )
    # Weakest: the lowest-scoring non-null component (the first in component order on a tie).
    weakest = (
        components.filter(pl.col("score").is_not_null())
        .sort("rep_id", "skill", "score", "component_order")
        .group_by("rep_id", "skill", maintain_order=True)
        .first()
        .select("rep_id", "skill", pl.col("component").alias("weakest_component"),
                _round(pl.col("value"), 4).alias("weakest_value"), pl.col("target").alias("weakest_target"))
    )
    sources = (
        components.filter(pl.col("score").is_not_null()).select("rep_id", "skill", "source").unique()
    )
    sources = pl.concat([sources, sources.select("rep_id", pl.lit(OVERALL).alias("skill"), "source").unique()])
    source_json = (
        sources.sort("source")
        .group_by("rep_id", "skill")
        .agg(pl.format('["{}"]', pl.col("source").str.join('", "')).alias("evidence_source"))
    )

    # The overall row's "components" are the six skills, against the no-gap band gap_below-100.
    skill_rows = skills.filter(pl.col("skill") != OVERALL)
    skill_order = {s: i for i, s in enumerate(SKILL_ORDER)}
    overall_json = (
        skill_rows.with_columns(pl.col("skill").replace_strict(skill_order, return_dtype=pl.Int64).alias("o"))
        .sort("rep_id", "o")
        .with_columns(
            pl.struct(
                pl.col("skill").alias("component"),
                pl.col("score").alias("value"),
                pl.lit(float(cfg.gap_below)).alias("target_low"),
                pl.lit(100.0).alias("target_high"),
                pl.col("score").alias("score"),
                pl.lit(None, dtype=pl.Int64).alias("evidence_count"),
            ).struct.json_encode().alias("entry")
        )
        .group_by("rep_id", maintain_order=True)
        .agg(pl.format("[{}]", pl.col("entry").str.join(", ")).alias("components"))
        .with_columns(pl.lit(OVERALL).alias("skill"))
    )
    overall_weakest = (
        skill_rows.filter(pl.col("score").is_not_null())
        .with_columns(pl.col("skill").replace_strict(skill_order, return_dtype=pl.Int64).alias("o"))
        .sort("rep_id", "raw", "o")
        .group_by("rep_id", maintain_order=True)
        .first()
        .select("rep_id", pl.lit(OVERALL).alias("skill"), pl.col("skill").alias("weakest_component"),
                pl.col("score").alias("weakest_value"),
                pl.lit(f"{_number_text(cfg.gap_below)}-100").alias("weakest_target"))
    )
    component_json = pl.concat([component_json, overall_json.select(component_json.columns)])
    weakest = pl.concat([weakest, overall_weakest.select(weakest.columns)])

    out = (
        skills.join(reps.select("rep_id", "role", "manager_id"), on="rep_id", how="inner")
        .join(previous, on=["rep_id", "skill"], how="left")
        .join(component_json, on=["rep_id", "skill"], how="left")
        .join(weakest, on=["rep_id", "skill"], how="left")
        .join(source_json, on=["rep_id", "skill"], how="left")
        .with_columns(
            pl.lit(d, dtype=pl.Date).alias("assessment_date"),
            pl.col("evidence_source").fill_null("[]"),
            pl.col("skill").replace_strict(skill_order, return_dtype=pl.Int64).alias("skill_order"),
        )
        .pipe(label_scores, cfg)
        .sort("rep_id", "skill_order")
    )
    return out.select([pl.col(c).cast(t) for c, t in OUTPUT_SCHEMA.items()])


def quarter_quota(quota_periods: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """rep_id, quota_amount: each seller's quota of [start, end], pro rata by calendar day
    over the quota rows overlapping it (amount x overlap days / covered days), summed exactly
    and rounded half up to the cent once, as rep_performance does. A row in an unknown
    currency (null amount) adds nothing; a seller without an overlapping row has no row."""
    shares: dict[str, Fraction] = {}
    for row in quota_periods.filter(
        pl.col("quota_amount").is_not_null() & (pl.col("coverage_start") <= end) & (pl.col("coverage_end") >= start)
    ).iter_rows(named=True):
        overlap = (min(row["coverage_end"], end) - max(row["coverage_start"], start)).days + 1
        share = Fraction(row["quota_amount"]) * overlap / row["coverage_days"]
        shares[row["rep_id"]] = shares.get(row["rep_id"], Fraction(0)) + share
    cents = {rep: (2 * total * 100 + 1) // 2 for rep, total in shares.items()}  # half up
    return pl.DataFrame(
        {"rep_id": list(cents), "quota_amount": [Decimal(int(c)).scaleb(-2) for c in cents.values()]},
        schema={"rep_id": pl.Utf8, "quota_amount": pl.Decimal(18, 2)},
    )


def attainment_at(evidence: Evidence, assessment_date: dt.date, cfg: CoachingSettings | None = None,
                  year_start_month: int | None = None) -> pl.DataFrame:
    """Per seller, quota attainment in the fiscal quarter holding d - 1 (the last day of data):
    attainment = won amount closed in [quarter_start, d - 1] / the quarter's full quota (pro rata
    over int_quota_periods, as rep_performance computes it; null without quota),
    days_left = quarter_end - (d - 1).
    year_start_month: the warehouse's (fiscal.fiscal_year_start_month(con), as the weekly job
    passes it); omitted, the configured default."""
    del cfg  # the attainment thresholds are applied by the escalation rules
    start_month = year_start_month or fiscal_year_start_month()
    last = assessment_date - dt.timedelta(days=1)
    q_start, q_end = fiscal_quarter(last, start_month)
    sellers = _sellers(evidence)
    won = (
        evidence.deals.filter(
            pl.col("is_won").fill_null(False) & pl.col("close_date").is_between(q_start, last)
        )
        .group_by("owner_id")
        .agg(pl.col("amount").fill_null(0).sum().alias("won_amount"))
        .rename({"owner_id": "rep_id"})
    )
    quota = quarter_quota(evidence.quota_periods, q_start, q_end)
    out = (
        sellers.select("rep_id", "role")
        .join(won, on="rep_id", how="left")
        .join(quota, on="rep_id", how="left")
        .with_columns(
            pl.col("won_amount").fill_null(Decimal(0)),
            pl.lit(assessment_date, dtype=pl.Date).alias("assessment_date"),
            pl.lit((q_end - last).days, dtype=pl.Int64).alias("days_left"),
            pl.lit(fiscal_quarter_name(q_start, start_month)).alias("fiscal_quarter"),
            pl.lit(q_start, dtype=pl.Date).alias("quarter_start"),
            pl.lit(q_end, dtype=pl.Date).alias("quarter_end"),
        )
        .with_columns(
            # a ratio of two exact amounts: exactly 1.0 when won equals quota
            pl.when(pl.col("quota_amount") > 0)
            .then(pl.col("won_amount").cast(pl.Float64) / pl.col("quota_amount").cast(pl.Float64))
            .alias("attainment")
        )
        .sort("rep_id")
    )
    return out.select([pl.col(c).cast(t) for c, t in ATTAINMENT_SCHEMA.items()])
