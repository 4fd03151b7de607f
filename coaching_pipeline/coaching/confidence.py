"""Evidence or silence for rates: a skill gap is flagged only when it survives the doubt its
small samples leave (coaching contract, "Signal a manager can act on"; signal.mark_flags).

A rate over a handful of deals or calls swings by chance: a seller who wins 40% of deals
loses 3 in a row one time in five. For the flag (never for the score, the level or
gap_detected, which stay as the contract defines them), each RATE component is moved to the
edge of its Wilson score interval (two-sided, at flag_confidence) on the side of its target
band and re-scored against the band; the skill's mean moves up by those shifts added in
quadrature, and the week is flagged only when that benefit-of-the-doubt score is still below
gap_below. A component measured on many
trials barely moves; at 90%, 0 late-stage wins of 4 deals still flags, 0 of 3 does not.

Rates are the components that count successes among trials (deals or calls); talk ratio,
call means and scorecard scores are averages, not counts, and keep their value.
"""

from __future__ import annotations

import json
import math
from statistics import NormalDist

from ..config import CoachingSettings
from .components import component_band
from .scoring import band_score

RATE_COMPONENTS = frozenset({
    "meddpicc_completeness", "champion_and_eb_rate", "early_disqualification_rate", "late_stage_win_rate",
    "next_steps_call_share", "objection_calls_with_next_steps", "win_rate", "close_date_kept_rate",
})


def wilson_bounds(rate: float, trials: int, confidence: float) -> tuple[float, float]:
    """The Wilson score interval of a rate observed over `trials` (two-sided)."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    n = float(trials)
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def doubted_value(component: dict, cfg: CoachingSettings, confidence: float) -> float | None:
    """The component's value given the benefit of the doubt: a rate moved toward its band to
    the edge of its interval; any other value as it is."""
    value, trials = component.get("value"), component.get("evidence_count")
    if value is None or component.get("component") not in RATE_COMPONENTS or not trials:
        return value
    band = component_band(component["component"], cfg)
    low, high = wilson_bounds(min(max(float(value), 0.0), 1.0), int(trials), confidence)
    if value < band.low:
        return min(high, band.low)
    if value > band.high:
        return max(low, band.high)
    return value


def doubt_shift(components: str | list | None, cfg: CoachingSettings, confidence: float) -> float:
    """How far the skill's score rises when its rates get the benefit of the doubt. The
    components' chance errors are independent, so their shifts add in quadrature (the error
    of a mean of k estimates is sqrt(sum of squares) / k), not all at once: three rates each
    at the edge of their interval are far less likely than one. 0 when nothing is a rate."""
    parts = json.loads(components) if isinstance(components, str) else (components or [])
    scored, shifts = 0, []
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, dict) or part.get("score") is None:
            continue
        scored += 1
        if part.get("component") not in RATE_COMPONENTS:
            continue
        doubted = band_score(doubted_value(part, cfg, confidence), component_band(part["component"], cfg))
        if doubted is not None:
            shifts.append(max(0.0, doubted - float(part["score"])))
    return math.sqrt(sum(x * x for x in shifts)) / scored if scored else 0.0


def survives_doubt(score: float | None, components: str | list | None, cfg: CoachingSettings) -> bool:
    """True when the skill's gap holds even with the benefit of the doubt on its rates."""
    return score is not None and score + doubt_shift(components, cfg, cfg.flag_confidence) < cfg.gap_below
