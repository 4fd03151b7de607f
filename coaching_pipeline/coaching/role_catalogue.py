"""The role metrics the coaching engine watches (roles contract): which column of the mart
role_metrics each pattern reads, which roles it belongs to, which way is better, and how a
manager reads it. role_patterns.py decides when one is flagged; role_clock.py words it.

A metric measured per stage pair, sequence step or cadence type is one pattern per key
(`metric:stage_conversion:2>3`, `metric:response_rate_by_step:2`), read from the mart's
list column of that breakdown.
"""

from __future__ import annotations

from dataclasses import dataclass

from .components import SKILL_LABELS

# how a metric is flagged (role_patterns.flagged)
RATE = "rate"  # a share against the role cohort's median: gap points or a ratio of it
STAGE_PAIR = "stage_pair"  # a stage conversion against the segment median: stage_conversion_gap_points
FORECAST = "forecast"  # forecast accuracy out of its band two closed quarters running
TREND = "trend"  # book health falling faster than health_trend_drop_per_month
VOLUME = "volume"  # touches per business day below volume_below of the target


@dataclass(frozen=True)
class RoleMetric:
    name: str  # the pattern key's second part
    roles: tuple[str, ...]
    label: str  # as a manager reads it: 'Renewal rate'
    rule: str
    column: str  # the role_metrics column holding the value (or the list, for a breakdown)
    higher_is_better: bool = True
    # a breakdown: the list column's key field, and the fields holding sample and hits
    key_field: str | None = None
    numerator_field: str | None = None
    denominator_field: str | None = None
    unit_of_sample: str = "deals"  # '7 of 20 deals'
    advice: str = ""

    def key(self, part: object | None = None) -> str:
        return f"metric:{self.name}" if part is None else f"metric:{self.name}:{part}"


METRICS: tuple[RoleMetric, ...] = (
    RoleMetric(
        "stage_conversion", ("AE",), "Stage conversion", STAGE_PAIR, "stage_conversions",
        key_field="stage_pair", numerator_field="converted", denominator_field="left_stage",
        advice="go through the deals that left the stage without moving on with the rep: which exit criterion "
        "was missing, and what to confirm with the buyer before advancing the next one"),
    RoleMetric(
        "forecast_accuracy", ("AE",), "Forecast accuracy", FORECAST, "forecast_accuracy", unit_of_sample="quarters",
        advice="review the Commit call deal by deal with the rep before each forecast: what evidence puts a deal in "
        "Commit, and which deals to move out of it"),
    RoleMetric(
        "renewal_rate", ("AM",), "Renewal rate", RATE, "renewal_rate", unit_of_sample="closed renewals",
        advice="review the renewals lost in the window with the rep: when the risk showed, and which renewals "
        "due next quarter need an executive sponsor now"),
    RoleMetric(
        "renewals_opened_late", ("AM",), "Renewals opened late", RATE, "renewals_opened_late_share",
        higher_is_better=False, unit_of_sample="renewals opened",
        advice="open every renewal at least 90 days before the contract ends: list the contracts ending in the "
        "next two quarters with the rep and open their renewals this week"),
    RoleMetric(
        "expansion_conversion", ("AM",), "Expansion conversion", RATE, "expansion_conversion",
        unit_of_sample="closed expansions",
        advice="review the lost expansions with the rep: was the value of the first purchase proven before the "
        "upsell was proposed"),
    RoleMetric(
        "book_health_trend", ("AM", "CSM"), "Health trend of the book", TREND, "book_health_trend",
        unit_of_sample="accounts",
        advice="go through the accounts whose health fell with the rep and agree a recovery step for each"),
    RoleMetric(
        "ttv_attainment", ("CSM",), "Time to value on target", RATE, "ttv_attainment", unit_of_sample="onboardings",
        advice="review the onboardings that went live late with the CSM: which milestone slipped first, and "
        "what to agree with the customer at kickoff next time"),
    RoleMetric(
        "milestones_on_time", ("CSM",), "Onboarding milestones on time", RATE, "milestones_on_time",
        unit_of_sample="milestones",
        advice="go through the overdue milestones with the CSM and agree an owner and a date for each"),
    RoleMetric(
        "escalation_rate", ("CSM",), "Accounts at risk or critical", RATE, "escalation_rate",
        higher_is_better=False, unit_of_sample="accounts",
        advice="review the at-risk and critical accounts of the book with the CSM and agree a save plan for each"),
    RoleMetric(
        "meeting_acceptance", ("SDR",), "Meeting acceptance", RATE, "meeting_acceptance", unit_of_sample="touches",
        advice="listen to three recent calls and read five emails with the SDR: is the ask for a meeting clear "
        "and tied to the prospect's problem"),
    RoleMetric(
        "qualified_conversion", ("SDR",), "Meetings to qualified opportunities", RATE, "qualified_conversion",
        unit_of_sample="meetings booked",
        advice="review the meetings that did not become qualified opportunities with the SDR: which "
        "qualification question to ask before booking"),
    RoleMetric(
        "response_rate_by_step", ("SDR",), "Response rate at sequence step", RATE, "response_by_step",
        key_field="sequence_step", numerator_field="responses", denominator_field="touches",
        unit_of_sample="touches",
        advice="rewrite this step of the sequence with the SDR: compare it with the step the team gets the "
        "most replies on"),
    RoleMetric(
        "response_rate_by_cadence", ("SDR",), "Response rate of the cadence", RATE, "response_by_cadence",
        key_field="cadence_type", numerator_field="responses", denominator_field="touches",
        unit_of_sample="touches",
        advice="review the targeting and the first touch of this cadence with the SDR"),
    RoleMetric(
        "volume_vs_target", ("SDR",), "Touches per business day against target", VOLUME, "volume_vs_target",
        unit_of_sample="business days",
        advice="plan the prospecting blocks of the week with the SDR and protect them in the calendar"),
)

BY_NAME = {m.name: m for m in METRICS}

BOOK_TIER_DROP_RULE = "book_tier_drop"
BOOK_TIER_DROP_PATTERN = "metric:book_tier_drop"


def metric_of(pattern_key: str | None) -> tuple[RoleMetric | None, str | None]:
    """(metric, breakdown key) of `metric:<name>[:<key>]`; (None, None) for anything else."""
    kind, _, rest = (pattern_key or "").partition(":")
    if kind != "metric":
        return None, None
    name, _, part = rest.partition(":")
    return BY_NAME.get(name), (part or None)


def pattern_label(pattern_key: str | None) -> str | None:
    """A role pattern as a manager reads it ('Stage conversion 2>3', 'Response rate at sequence
    step 2', 'Renewal rate'); None when the key is not a role metric's."""
    if pattern_key == BOOK_TIER_DROP_PATTERN:
        return "Book health tier drop"
    metric, part = metric_of(pattern_key)
    if metric is None:
        return None
    return metric.label if part is None else f"{metric.label} {part}"


def pattern_subject(pattern_key: str | None) -> str | None:
    """What an event or escalation is about, as a person reads it: 'Discovery' for
    'skill:discovery', 'Stage conversion 2>3' for 'metric:stage_conversion:2>3'; None for no
    pattern or a manual escalation (its reason says it)."""
    kind, _, name = (pattern_key or "").partition(":")
    if not name or name == "manual":
        return None
    if kind == "metric":
        return pattern_label(pattern_key) or name.replace("_", " ").replace(":", " ").capitalize()
    return SKILL_LABELS.get(name) or name.replace("_", " ").capitalize()


def flagged_text(pattern_key: str | None, assessments: int | None) -> str:
    """How long a pattern has been on the clock: '3 weeks' for a skill, '3 months' for a role
    metric, whose clock counts monthly assessments."""
    count = assessments or 0
    unit = "month" if (pattern_key or "").startswith("metric:") else "week"
    return f"{count} {unit}{'' if count == 1 else 's'}"
