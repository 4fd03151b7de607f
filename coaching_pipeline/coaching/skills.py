"""Weekly skill assessment (coaching contract, "Skill scores"): per seller, six skills and an
overall score for one assessment date, from the evidence read by `evidence.load_evidence`.

The component values of an assessment date d come from the evidence in its windows
(component_values.py). Each component is scored 0-100 against its target band (scoring.py); a
component with too little evidence, or whose source the org never delivered (no Gong calls,
no MEDDPICC fields, no CloseDate history...: component_values.py), is null, never 0; a skill
is the mean of its non-null components, the overall the weighted mean of the non-null
skills (weights renormalised). Everything is vectorised over sellers. Attainment (the input
of the attainment escalation) is attainment.py.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from ..config import CoachingSettings, settings
from .component_values import component_values, window
from .components import COMPONENTS, OVERALL, SKILL_ORDER, band_text, component_band, number_text
from .evidence import Evidence, sellers
from .scoring import band_score_expr, label_scores, rounded

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


def _components_meta(cfg: CoachingSettings) -> pl.DataFrame:
    minimum = {"calls": cfg.min_calls, "closed_deals": cfg.min_closed_deals, "open_deals": cfg.min_open_deals}
    rows = []
    for order, c in enumerate(COMPONENTS):
        band = component_band(c.name, cfg)
        rows.append({
            "component": c.name, "skill": c.skill, "source": c.source, "component_order": order,
            "min_evidence": minimum[c.evidence], "target_low": float(band.low), "target_high": float(band.high),
            "zero_below": band.zero_below, "zero_above": band.zero_above, "target": band_text(band),
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
    seller_rows = sellers(evidence)
    reps = seller_rows.select("rep_id") if reps is None else reps.select("rep_id")
    w = window(evidence, assessment_date, cfg, seller_rows)
    values = component_values(evidence, w, assessment_date, cfg)
    meta = _components_meta(cfg)
    roles = seller_rows.select("rep_id", "role").unique("rep_id", keep="first")
    grid = (
        reps.join(roles, on="rep_id", how="left").join(meta, how="cross")
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
    # a skill is the weighted mean of its scored components (role_component_weights)
    weights_of = [{"role": role, "component": c, "component_weight": float(w)}
                  for role, ws in cfg.role_component_weights.items() for c, w in ws.items()]
    weighted = components.join(
        pl.DataFrame(weights_of, schema={"role": pl.Utf8, "component": pl.Utf8, "component_weight": pl.Float64}),
        on=["role", "component"], how="left").with_columns(pl.col("component_weight").fill_null(1.0))
    scored = pl.col("score").is_not_null() & (pl.col("component_weight") > 0)
    skills = weighted.group_by("rep_id", "skill").agg(
        pl.when(scored.any()).then(
            pl.when(scored).then(pl.col("score") * pl.col("component_weight")).sum()
            / pl.when(scored).then(pl.col("component_weight")).sum()).alias("raw"))
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
    return _skill_scores(components, cfg).select("rep_id", "skill", rounded(pl.col("raw"), 1).alias("score"))


def _assessed_reps(evidence: Evidence, d: dt.date, cfg: CoachingSettings) -> pl.DataFrame:
    """Sellers assessed at d: active ones, plus inactive ones with evidence in the window
    (a rep who left keeps being assessed while their recent calls/deals still count)."""
    seller_rows = sellers(evidence)
    w = window(evidence, d, cfg, seller_rows)
    with_evidence = pl.concat([
        w.calls.select("rep_id"),
        w.closed.select(pl.col("owner_id").alias("rep_id")),
        w.open.select(pl.col("owner_id").alias("rep_id")),
    ]).unique()
    return seller_rows.filter(
        pl.col("is_active").fill_null(True) | pl.col("rep_id").is_in(with_evidence["rep_id"].implode())
    )


# ----------------------------------------------------------------------------------------
# The assessment of one week, step by step


def assess_week(evidence: Evidence, assessment_date: dt.date, cfg: CoachingSettings | None = None) -> pl.DataFrame:
    """Rows of coaching.skill_assessment_log for `assessment_date` (see OUTPUT_SCHEMA):
    one per assessed seller x (six skills + 'overall')."""
    cfg = cfg or settings().coaching
    d = assessment_date
    reps = _assessed_reps(evidence, d, cfg)
    if reps.is_empty():
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    components = component_scores(evidence, d, cfg, reps)
    skills = _skill_scores(components, cfg).with_columns(rounded(pl.col("raw"), 1).alias("score"))
    previous = _rounded_scores(evidence, d - dt.timedelta(days=7), cfg, reps).rename({"score": "previous"})
    skill_rows = skills.filter(pl.col("skill") != OVERALL)
    details = [
        pl.concat([_components_json(components), _overall_components_json(skill_rows, cfg)]),
        pl.concat([_weakest_component(components), _weakest_skill(skill_rows, cfg)]),
        _evidence_sources(components),
    ]
    return _assessment_rows(skills, reps, previous, details, d, cfg)


def _skill_index(column: str = "skill") -> pl.Expr:
    """The skill's place in SKILL_ORDER."""
    return pl.col(column).replace_strict({s: i for i, s in enumerate(SKILL_ORDER)}, return_dtype=pl.Int64)


def _components_json(components: pl.DataFrame) -> pl.DataFrame:
    """rep_id, skill, components: every component of the skill as JSON, in a fixed order,
    null ones included."""
    return (
        components.with_columns(
            pl.struct(
                "component",
                rounded(pl.col("value"), 4).alias("value"),
                "target_low",
                "target_high",
                rounded(pl.col("score"), 1).alias("score"),
                "evidence_count",
            ).struct.json_encode().alias("entry")
        )
        .group_by("rep_id", "skill", maintain_order=True)
        .agg(pl.format("[{}]", pl.col("entry").str.join(", ")).alias("components"))
    )


def _overall_components_json(skill_rows: pl.DataFrame, cfg: CoachingSettings) -> pl.DataFrame:
    """The overall row's "components": the six skills, against the no-gap band gap_below-100."""
    return (
        skill_rows.with_columns(_skill_index().alias("o"))
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
        .select("rep_id", pl.lit(OVERALL).alias("skill"), "components")
    )


def _weakest_component(components: pl.DataFrame) -> pl.DataFrame:
    """The lowest-scoring non-null component of each skill (the first in component order on a tie)."""
    return (
        components.filter(pl.col("score").is_not_null())
        .sort("rep_id", "skill", "score", "component_order")
        .group_by("rep_id", "skill", maintain_order=True)
        .first()
        .select("rep_id", "skill", pl.col("component").alias("weakest_component"),
                rounded(pl.col("value"), 4).alias("weakest_value"), pl.col("target").alias("weakest_target"))
    )


def _weakest_skill(skill_rows: pl.DataFrame, cfg: CoachingSettings) -> pl.DataFrame:
    """The overall's weakest component: its lowest-scoring skill (the first in skill order on a tie)."""
    return (
        skill_rows.filter(pl.col("score").is_not_null())
        .with_columns(_skill_index().alias("o"))
        .sort("rep_id", "raw", "o")
        .group_by("rep_id", maintain_order=True)
        .first()
        .select("rep_id", pl.lit(OVERALL).alias("skill"), pl.col("skill").alias("weakest_component"),
                pl.col("score").alias("weakest_value"),
                pl.lit(f"{number_text(cfg.gap_below)}-100").alias("weakest_target"))
    )


def _evidence_sources(components: pl.DataFrame) -> pl.DataFrame:
    """rep_id, skill, evidence_source: the sources of the scored components as a JSON list
    (the overall's: those of all its skills)."""
    sources = (
        components.filter(pl.col("score").is_not_null()).select("rep_id", "skill", "source").unique()
    )
    sources = pl.concat([sources, sources.select("rep_id", pl.lit(OVERALL).alias("skill"), "source").unique()])
    return (
        sources.sort("source")
        .group_by("rep_id", "skill")
        .agg(pl.format('["{}"]', pl.col("source").str.join('", "')).alias("evidence_source"))
    )


def _assessment_rows(skills: pl.DataFrame, reps: pl.DataFrame, previous: pl.DataFrame,
                     details: list[pl.DataFrame], d: dt.date, cfg: CoachingSettings) -> pl.DataFrame:
    """The log rows: each skill score with its seller, last week's score, the details (by rep
    and skill) and the labels (level, gap, severity, trend, cohort percentile)."""
    out = skills.join(reps.select("rep_id", "role", "manager_id"), on="rep_id", how="inner").join(
        previous, on=["rep_id", "skill"], how="left")
    for detail in details:
        out = out.join(detail, on=["rep_id", "skill"], how="left")
    out = (
        out.with_columns(
            pl.lit(d, dtype=pl.Date).alias("assessment_date"),
            pl.col("evidence_source").fill_null("[]"),
            _skill_index().alias("skill_order"),
        )
        .pipe(label_scores, cfg)
        .sort("rep_id", "skill_order")
    )
    return out.select([pl.col(c).cast(t) for c, t in OUTPUT_SCHEMA.items()])
