"""What each role's section prints (roles contract, the table "section x role"): the metrics
of the mart `role_metrics` (one row per seller x fiscal month) per role and section, with
their labels, what their sample counts, the source they need and their benchmark cohort.

A seller's digest and dashboard print only their own role's entries, so an AE never reads an
SDR metric. The performance summary entries are the role's headline: the manager digest's and
the team view's roll-up print those, one row per seller.

Skill gaps (the contract's third row) are the skill assessment's, printed by the digests
already; discount depth, the AE's negotiation measure, is a `role_metrics` column and is
printed with the pattern diagnosis because it is a figure with a sample, like the others.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("AE", "AM", "CSM", "SDR")  # the roll-up's order

# What a metric needing an optional input says when the org never delivered it
# (role_metrics' coverage columns: the org delivered the input at all). Never a zero.
MISSING_TEXT = {
    "has_cs_data": "no customer-success data",
    "has_cs_health": "no customer-success health data",
    "has_cs_onboarding": "no customer-success onboarding data",
    "has_opportunity_history": "no stage history (OpportunityHistory) in the CRM data",
    "has_sequence_data": "no sequence data in the activity log",
    "has_line_items": "no line items",
    "has_contracts": "no contracts",
}

# roles.min_sample of settings.yaml (the contract's default) for a settings file without the
# `roles:` section; settings().roles.min_sample and min_sample_by_metric win when present.
DEFAULT_MIN_SAMPLE = 10
# roles.forecast_band (the contract's green band) likewise.
DEFAULT_FORECAST_BAND = (0.85, 1.15)


@dataclass(frozen=True)
class RoleMetric:
    """One printed entry. `key` is the role_metrics column (a list column for the per-stage,
    per-step and per-cadence entries); `unit` names what the sample counts ("2 of 40 touches");
    `needs` the coverage columns of the input it cannot do without, the most precise first (the
    first one the row has decides: `has_cs_health` when the mart carries it, else
    `has_cs_data`); `cohort` the benchmark's:
    "role" (the role cohort's median), "segment" (the segment cohort's) or None (no benchmark)."""

    key: str
    label: str
    section: str            # "summary" (performance summary) | "pattern" (pattern diagnosis)
    kind: str               # how builders read it: share | attainment | forecast | nrr | trend | volume | score | a list kind
    unit: str | None = None
    needs: tuple[str, ...] = ()
    cohort: str | None = "role"
    optional: bool = False  # printed only when it has a value (NPS, CSAT: "when present")


HEALTH = ("has_cs_health", "has_cs_data")          # cs/health snapshots
ONBOARDING = ("has_cs_onboarding", "has_cs_data")  # cs/onboarding milestones
SEQUENCES = ("has_sequence_data",)
LINE_ITEMS = ("has_line_items",)
HISTORY = ("has_opportunity_history",)  # a null stage list (not an empty one) says it is missing too

CATALOG: dict[str, tuple[RoleMetric, ...]] = {
    "AE": (
        RoleMetric("attainment_vs_pace", "Attainment vs pace", "summary", "attainment"),
        RoleMetric("forecast_accuracy", "Forecast accuracy", "summary", "forecast"),
        RoleMetric("stage_conversions", "Stage conversion", "pattern", "stage_conversions", "deals",
                   needs=HISTORY, cohort="segment"),
        RoleMetric("days_in_stage", "Days in stage", "pattern", "days_in_stage", "deals", needs=HISTORY,
                   cohort="segment"),
        RoleMetric("discount_depth", "Discount depth on won deals", "pattern", "discount", needs=LINE_ITEMS,
                   cohort="segment"),
    ),
    "AM": (
        # the NRR cohort is the segment's AMs (roles contract: NRR "by cohort (segment x Industry)")
        RoleMetric("nrr", "Net revenue retention", "summary", "nrr", cohort="segment"),
        RoleMetric("renewal_rate", "Renewal rate", "summary", "share", "closed renewals"),
        RoleMetric("book_health_trend", "Book health trend", "pattern", "trend", "accounts", needs=HEALTH),
        RoleMetric("expansion_conversion", "Expansion conversion", "pattern", "share", "closed expansions"),
        RoleMetric("renewals_opened_late_share", "Renewals opened late", "pattern", "late", "renewals opened"),
        RoleMetric("book_tier_drop_share", "Accounts dropping a health tier", "pattern", "tier_drops", "accounts",
                   needs=HEALTH, cohort=None),
    ),
    "CSM": (
        RoleMetric("ttv_attainment", "Time to value on target", "summary", "share", "onboardings",
                   needs=ONBOARDING),
        RoleMetric("book_health_trend", "Book health trend", "summary", "trend", "accounts", needs=HEALTH),
        RoleMetric("milestones_on_time", "Onboarding milestones on time", "pattern", "share", "milestones",
                   needs=ONBOARDING),
        RoleMetric("escalation_rate", "Escalation rate (at risk or critical)", "pattern", "share", "accounts",
                   needs=HEALTH),
        RoleMetric("book_tier_drop_share", "Accounts dropping a health tier", "pattern", "tier_drops", "accounts",
                   needs=HEALTH, cohort=None),
        RoleMetric("nps_mean", "NPS", "pattern", "score", needs=HEALTH, cohort=None, optional=True),
        RoleMetric("csat_mean", "CSAT", "pattern", "score", needs=HEALTH, cohort=None, optional=True),
    ),
    "SDR": (
        RoleMetric("meeting_acceptance", "Meeting acceptance", "summary", "share", "touches"),
        RoleMetric("qualified_conversion", "Conversion to qualified opportunity", "summary", "share",
                   "meetings booked"),
        RoleMetric("response_by_step", "Response rate by sequence step", "pattern", "response_by_step", "touches",
                   needs=SEQUENCES),
        RoleMetric("response_by_cadence", "Response rate by cadence type", "pattern", "response_by_cadence", "touches",
                   needs=SEQUENCES),
        RoleMetric("volume_vs_target", "Volume vs target", "pattern", "volume"),
    ),
}

SECTION_TITLES = {"summary": "Performance summary", "pattern": "Pattern diagnosis"}
CADENCE_LABELS = {"cold": "cold", "warm": "warm", "abm": "ABM", "re_engage": "re-engage", "other": "other"}


def metrics_of(role: str | None) -> tuple[RoleMetric, ...]:
    """The entries of `role` (none for a role outside the four: no role section)."""
    return CATALOG.get(role or "", ())


def headline(role: str | None) -> tuple[RoleMetric, ...]:
    """The role's performance summary entries: the roll-up's columns."""
    return tuple(m for m in metrics_of(role) if m.section == "summary")


def min_sample(cfg, metric: str) -> int:
    """The minimum sample of `metric` (settings.yaml roles.min_sample_by_metric, else
    roles.min_sample, else the contract's 10)."""
    roles = getattr(cfg, "roles", None)
    if roles is None:
        return DEFAULT_MIN_SAMPLE
    by_metric = getattr(roles, "min_sample_by_metric", None) or {}
    return int(by_metric.get(metric, getattr(roles, "min_sample", DEFAULT_MIN_SAMPLE)))


def forecast_band(cfg) -> tuple[float, float]:
    band = getattr(getattr(cfg, "roles", None), "forecast_band", None)
    if band is None:
        return DEFAULT_FORECAST_BAND
    low, high = (band.get("low"), band.get("high")) if isinstance(band, dict) else (band.low, band.high)
    return float(low), float(high)
