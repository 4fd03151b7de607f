"""The catalogue of the skill assessment: the skills in their order, and the 19 components
(coaching contract, "Skill scores") with everything the product says about each: which skill
it scores, where its evidence comes from, its unit, and the words of the coaching texts.

Also the one formatter of target bands (`band_text`), which both the assessment log
('11-14', '>= 1') and the coaching texts ('40-50%', 'at most 150 s') use.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import SKILLS, CoachingSettings, TargetBand

OVERALL = "overall"
# The six skills then the overall: the order of the assessment rows and of the overall's components.
SKILL_ORDER = (*SKILLS, OVERALL)


def skill_label(skill: str) -> str:
    """'Objection handling' for 'objection_handling'."""
    return skill.replace("_", " ").capitalize()


SKILL_LABELS: dict[str, str] = {skill: skill_label(skill) for skill in SKILL_ORDER}

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
    unit: str  # count | seconds | share | ratio | score: how its values and target read
    label: str  # what it measures, in "bring {label} from {value} into the target"
    phrase: str  # the pattern text, with {v} the value
    advice: str  # the recommended action


COMPONENTS: tuple[Component, ...] = (
    Component(
        "questions_per_call", "discovery", "gong_calls", "calls",
        "count", "questions per call", "{v} questions per call",
        "prepare open questions on pain, impact and the decision process before each call, and "
        "review a recorded call with the manager to find where more questions fit",
    ),
    Component(
        "longest_customer_story_s", "discovery", "gong_calls", "calls",
        "seconds", "the customer's longest story", "customer's longest story {v}",
        "ask open follow-up questions (\"tell me more about...\") and let the customer finish "
        "before answering",
    ),
    Component(
        "patience_s", "discovery", "gong_calls", "calls",
        "seconds", "patience (pause before answering)", "patience {v}",
        "pause about a second after the customer stops speaking before answering; review two "
        "recorded calls with the manager for interruptions",
    ),
    Component(
        "scorecard_discovery", "discovery", "scorecards", "calls",
        "score", "the discovery scorecard score", "discovery scorecard {v}",
        "go through the discovery questions of the call scorecard with the manager on two recent calls",
    ),
    Component(
        "meddpicc_completeness", "qualification", "crm_deals", "open_deals",
        "share", "MEDDPICC completeness of open deals", "MEDDPICC completeness {v}",
        "fill in the missing MEDDPICC elements of every open deal and review them in the next "
        "pipeline call with the manager",
    ),
    Component(
        "champion_and_eb_rate", "qualification", "crm_deals", "open_deals",
        "share", "champion and economic-buyer identification", "champion and economic buyer identified on {v} of deals",
        "name a champion and get access to the economic buyer on each open deal; map the "
        "stakeholders with the manager",
    ),
    Component(
        "early_disqualification_rate", "qualification", "crm_deals", "closed_deals",
        "share", "early disqualification of lost deals", "{v} of lost deals disqualified early",
        "agree go/no-go criteria with the manager and apply them in the first weeks of every deal "
        "so weak opportunities are qualified out early",
    ),
    Component(
        "longest_monologue_s", "presentation", "gong_calls", "calls",
        "seconds", "the longest monologue", "longest monologue {v}",
        "break long explanations with a check-in question every couple of minutes and rehearse "
        "the demo in short segments",
    ),
    Component(
        "talk_ratio", "presentation", "gong_calls", "calls",
        "share", "talk ratio", "talk ratio {v}",
        "let the customer speak more: ask open questions and summarise instead of presenting",
    ),
    Component(
        "scorecard_presentation", "presentation", "scorecards", "calls",
        "score", "the presentation scorecard score", "presentation scorecard {v}",
        "rehearse the demo with the manager against the presentation questions of the call scorecard",
    ),
    Component(
        "scorecard_objection_handling", "objection_handling", "scorecards", "calls",
        "score", "the objection-handling scorecard score", "objection-handling scorecard {v}",
        "role-play the most common objections with the manager using the objection questions of "
        "the call scorecard",
    ),
    Component(
        "objection_calls_with_next_steps", "objection_handling", "gong_calls", "calls",
        "share", "objection calls that still reach a next step", "{v} of objection calls reached a next step",
        "after handling an objection, close the call with an agreed next step and date",
    ),
    Component(
        "late_stage_win_rate", "negotiation", "crm_deals", "closed_deals",
        "share", "the late-stage win rate", "late-stage win rate {v}",
        "review every late-stage deal with the manager: confirm decision process, paper process "
        "and pricing before sending the proposal",
    ),
    Component(
        "deal_size_vs_role_median", "negotiation", "crm_deals", "closed_deals",
        "ratio", "won deal size vs the role median", "won deal size {v} the role median",
        "anchor value earlier and widen deals (more stakeholders, more use cases) before "
        "discussing price",
    ),
    Component(
        "discount_depth", "negotiation", "crm_deals", "closed_deals",
        "share", "the discount on won deals", "won deals discounted {v} on average",
        "hold the price: trade any discount for something of value (a longer term, more seats, a "
        "reference) and agree the walk-away point with the manager before the negotiation",
    ),
    Component(
        "next_steps_call_share", "closing", "gong_calls", "calls",
        "share", "calls ending with a next step", "next steps on {v} of calls",
        "end every customer call with an agreed next step, owner and date",
    ),
    Component(
        "win_rate", "closing", "crm_deals", "closed_deals",
        "share", "the win rate", "win rate {v}",
        "review recent lost deals with the manager to find where they stall, and qualify weak "
        "opportunities out earlier",
    ),
    Component(
        "close_date_kept_rate", "closing", "crm_deals", "closed_deals",
        "share", "deals closing on their first close date", "close date kept on {v} of deals",
        "set close dates from the customer's agreed timeline (mutual action plan) and review "
        "them every week",
    ),
    Component(
        "scorecard_closing", "closing", "scorecards", "calls",
        "score", "the closing scorecard score", "closing scorecard {v}",
        "go through the closing questions of the call scorecard with the manager on two recent calls",
    ),
)

BY_NAME: dict[str, Component] = {c.name: c for c in COMPONENTS}


def unit_of(component: str | None) -> str:
    """The component's unit; 'plain' for a name outside the catalogue (or none)."""
    known = BY_NAME.get(component or "")
    return known.unit if known else "plain"


def component_band(component: str, cfg: CoachingSettings) -> TargetBand:
    if component in cfg.targets:
        return cfg.targets[component]
    if component.startswith("scorecard_"):
        return SCORECARD_BAND
    raise KeyError(f"settings coaching.targets has no band for component {component!r}")


# --------------------------------------------------------------------------------------
# the target-band formatter


def number_text(x: float) -> str:
    """12 for 12.0, 0.35 for 0.35: a bound as the assessment log writes it."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _bound_text(x: float, unit: str) -> str:
    if unit == "share":
        return f"{x * 100:g}%"
    if unit == "seconds":
        return f"{x:g} s"
    if unit == "ratio":
        return f"{x:g}x"
    return f"{x:g}"


def band_text(band: TargetBand, unit: str | None = None) -> str:
    """A target band as text.

    unit None: as the assessment log stores it (weakest_target) for an analyst: '11-14',
    '>= 1' (no upper bound), '100' (one value).
    A unit (`unit_of`): as the coaching texts say it, in that unit: '11-14', '40-50%',
    '0.9-1.1x', 'at least 1x', 'at most 150 s' (a band from 0 that never falls below it)."""
    if unit is None:
        if band.high >= OPEN_ENDED_HIGH:
            return f">= {number_text(band.low)}"
        if band.low == band.high:
            return number_text(band.low)
        return f"{number_text(band.low)}-{number_text(band.high)}"
    if band.high >= OPEN_ENDED_HIGH:
        return f"at least {_bound_text(band.low, unit)}"
    if band.low <= 0 and band.zero_below is None:
        return f"at most {_bound_text(band.high, unit)}"
    if unit == "share":
        return f"{band.low * 100:g}-{band.high * 100:g}%"
    if unit == "seconds":
        return f"{band.low:g}-{band.high:g} s"
    return f"{_bound_text(band.low, unit)}-{_bound_text(band.high, unit)}"
