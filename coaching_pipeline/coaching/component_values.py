"""The values of the 19 components of one assessment date, per seller, from the evidence
in its windows (coaching contract, "Skill scores"):
- conversation evidence: the seller's External Gong calls with call_date in
  [d - conversation_window_days, d - 1], and the scorecard answers given on those calls;
- deal evidence: the seller's deals closed in [d - deal_window_days, d - 1], plus the deals
  open at d (created by d - 1 and not closed before d).
Each value comes with its evidence count; skills.component_scores scores them.
Not delivered is not zero: a source the org never delivered gives no value (null, with no
evidence), never 0 or a perfect rate: no Gong calls -> no conversation values; no MEDDPICC
fields (int_deal_facts.meddpicc_completeness null) -> no MEDDPICC completeness; neither
MEDDPICC nor contact roles (has_champion / has_economic_buyer null) -> no champion and
economic-buyer rate; no CloseDate history at all -> no close-date-kept rate.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from ..config import CoachingSettings
from .evidence import Evidence

# Call metrics averaged per call: component -> int_gong_calls column.
CALL_MEANS = {
    "questions_per_call": "questions_company_count",
    "longest_customer_story_s": "longest_customer_story_s",
    "patience_s": "patience_s",
    "longest_monologue_s": "longest_monologue_s",
    "talk_ratio": "talk_ratio",
}

VALUES_SCHEMA = {"rep_id": pl.Utf8, "component": pl.Utf8, "value": pl.Float64, "evidence_count": pl.Int64}


@dataclass(frozen=True)
class Window:
    """The evidence in the windows of one assessment date."""

    calls: pl.DataFrame  # External calls of sellers in the conversation window (+ role)
    closed: pl.DataFrame  # seller deals closed in the deal window
    open: pl.DataFrame  # seller deals open at d



def window(evidence: Evidence, d: dt.date, cfg: CoachingSettings, sellers: pl.DataFrame) -> Window:
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
    return Window(calls=calls, closed=closed, open=open_)


def _long(frame: pl.DataFrame, component: str, value: pl.Expr, count: pl.Expr,
          by: str = "rep_id") -> pl.DataFrame:
    """Per rep (the `by` column): one (component, value, evidence_count) row."""
    return (
        frame.group_by(by)
        .agg(value.cast(pl.Float64).alias("value"), count.cast(pl.Int64).alias("evidence_count"))
        .select(pl.col(by).alias("rep_id"), pl.lit(component).alias("component"), "value", "evidence_count")
    )


def _call_values(w: Window) -> list[pl.DataFrame]:
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


def _scorecard_values(evidence: Evidence, w: Window, cfg: CoachingSettings) -> list[pl.DataFrame]:
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


def _deal_values(evidence: Evidence, w: Window, d: dt.date, cfg: CoachingSettings) -> list[pl.DataFrame]:
    last = d - dt.timedelta(days=1)
    closed, open_ = w.closed, w.open
    won = pl.col("is_won").fill_null(False)
    out = [
        _long(open_, "meddpicc_completeness", pl.col("meddpicc_completeness").mean(),
              pl.col("meddpicc_completeness").count(), by="owner_id"),
    ]
    # Champion and economic buyer: half a point each, over open deals and deals closed in window.
    # A null flag is an org without its source (int_deal_facts: neither MEDDPICC fields nor
    # contact roles): unknown, not "not identified". A deal counts on the flags it has; a
    # deal with neither is no evidence (with both sources absent the component is null).
    both = pl.concat([open_, closed]).with_columns(
        identified=pl.mean_horizontal(pl.col("has_champion").cast(pl.Float64),
                                      pl.col("has_economic_buyer").cast(pl.Float64))
    )
    out.append(_long(both, "champion_and_eb_rate", pl.col("identified").mean(), pl.col("identified").count(),
                     by="owner_id"))
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

    out += _close_date_kept(evidence, closed, last)
    out.append(_deal_size(closed, won))
    out += _discount_depth(evidence, closed, won)
    return out


def _discount_depth(evidence: Evidence, closed: pl.DataFrame, won: pl.Expr) -> list[pl.DataFrame]:
    """The mean line-item Discount of the won deals in the window, each deal's discount
    weighted by its list amount (UnitPrice x Quantity, in the deal's own currency) and the
    deals by their corporate amount (whole cents, exact). A line item without a Discount has
    none (0), as Salesforce shows it; an org whose line items never carry a Discount, or that
    delivers no line items, has no value (not delivered is not zero)."""
    items = evidence.line_items.filter(pl.col("unit_price_local").is_not_null() & pl.col("quantity").is_not_null())
    if items.is_empty() or items["discount_share"].is_null().all():
        return []
    gross = pl.col("unit_price_local").cast(pl.Float64) * pl.col("quantity")
    per_deal = (
        items.with_columns(pl.col("discount_share").fill_null(0.0), gross=gross)
        .group_by("opportunity_id")
        .agg(pl.when(pl.col("gross").sum() > 0)
             .then((pl.col("discount_share") * pl.col("gross")).sum() / pl.col("gross").sum()).alias("discount"))
        .filter(pl.col("discount").is_not_null())
    )
    deals = (closed.filter(won & pl.col("amount").is_not_null())
             .join(per_deal, on="opportunity_id", how="inner")
             .with_columns(cents=(pl.col("amount") * 100).cast(pl.Int64)))
    return [deals.group_by("owner_id").agg(
        pl.when(pl.col("cents").sum() > 0)
        .then((pl.col("discount") * pl.col("cents")).sum() / pl.col("cents").sum()).alias("value"),
        pl.len().cast(pl.Int64).alias("evidence_count"),
    ).select(pl.col("owner_id").alias("rep_id"), pl.lit("discount_depth").alias("component"), "value",
             "evidence_count")]


def _close_date_kept(evidence: Evidence, closed: pl.DataFrame, last: dt.date) -> list[pl.DataFrame]:
    """The share of closed deals whose close date never slipped: a CloseDate change,
    recorded by d - 1, to a later date than the old value. Without any CloseDate history in
    the org (no OpportunityFieldHistory, or CloseDate not tracked) a slip cannot be seen:
    no value (null for everyone), never "every close date kept" (1.0, which made Closing 100
    for every seller of a CRM-only org)."""
    if evidence.close_date_history.is_empty():
        return []
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
    return [_long(flagged, "close_date_kept_rate", pl.col("kept").mean(), pl.len(), by="owner_id")]


def _deal_size(closed: pl.DataFrame, won: pl.Expr) -> pl.DataFrame:
    """The rep's mean won amount / the median won amount of all sellers of the role.
    Amounts are exact decimals; the ratio is computed from whole cents (integers, exact in
    a float up to 2^53), so only the ratio itself is a float."""
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
    return size


def component_values(evidence: Evidence, w: Window, d: dt.date, cfg: CoachingSettings) -> pl.DataFrame:
    """rep_id, component, value, evidence_count: every component measured in the windows of d."""
    return pl.concat(
        [f.cast(VALUES_SCHEMA) for f in (*_call_values(w), *_scorecard_values(evidence, w, cfg),
                                          *_deal_values(evidence, w, d, cfg))],
        how="vertical",
    )
