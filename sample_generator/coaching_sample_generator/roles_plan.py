"""Who carries a planted role pattern, and from which fiscal month on (roles contract; the
generated data for it: roles_crm.py, roles_deals.py, roles_cs.py, roles_sequences.py; what
the data shows: roles_truth.py).

Every scale plants every pattern at least once; at M and L about 3% of the role carries
each one ("several"). The reps are taken from the end of each role's seller list, skipping
the reps planted for the skill signal (skill.planted_reps) and those already given another
role pattern, so a role pattern never mixes with a skill plant and each rep carries one
role pattern (at the internal XS scale, with two AMs and two CSMs, a role pattern may fall on a
skill-planted rep). Onsets are counted back from as_of's fiscal month (month 0), so the patterns
hold in the weeks a new install assesses (the last 12):

  key                  role  pattern_key                           from
  sdr_step2            SDR   metric:response_rate_by_step:2        month -3 (step 2 responses ~12% of usual)
  sdr_volume           SDR   metric:volume_vs_target               month -4 (sequence touches ~15 a day, not ~50)
  am_late_renewals     AM    metric:renewals_opened_late           month -6 (80% of renewals opened 30-85 days before end)
  am_low_renewal_rate  AM    metric:renewal_rate                   month -6 (40% of renewals won, not ~88%)
  csm_tier_drop        CSM   metric:book_tier_drop                 month -2, -1 or -3 (70% of the book drops a tier)
  csm_late_milestones  CSM   metric:milestones_on_time             month -4 (80% of milestones completed late)
  ae_stage_2_3         AE    metric:stage_conversion:2>3           month -8 (every lost deal dies at stage 2; undetectable at S)
  ae_forecast          AE    metric:forecast_accuracy              quarters -3..-1 (Commit ~half of what is won)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .common import Calendar, add_months
from .org import Org

PATTERNS = {
    "sdr_step2": ("SDR", "metric:response_rate_by_step:2", -3),
    "sdr_volume": ("SDR", "metric:volume_vs_target", -4),
    "am_late_renewals": ("AM", "metric:renewals_opened_late", -6),
    "am_low_renewal_rate": ("AM", "metric:renewal_rate", -6),
    "csm_tier_drop": ("CSM", "metric:book_tier_drop", -2),
    "csm_late_milestones": ("CSM", "metric:milestones_on_time", -4),
    "ae_stage_2_3": ("AE", "metric:stage_conversion:2>3", -8),
    "ae_forecast": ("AE", "metric:forecast_accuracy", -3),
}
SHARE = 0.03  # of the role, per pattern, at M and L


@dataclass
class RolePlan:
    reps: dict[str, list[int]]  # pattern -> seller indexes
    onset: dict[tuple[str, int], int] = field(default_factory=dict)  # (pattern, seller) -> first day
    month0: int = 0  # first day of as_of's month

    def has(self, pattern: str, s: int) -> bool:
        return s in self._sets[pattern]

    def __post_init__(self):
        self._sets = {k: set(v) for k, v in self.reps.items()}

    def mask(self, pattern: str, sellers: np.ndarray) -> np.ndarray:
        return np.isin(sellers, self.reps[pattern])

    def onset_of(self, pattern: str, sellers: np.ndarray) -> np.ndarray:
        """First day of the pattern per seller (a far-future day for sellers without it)."""
        out = np.full(len(sellers), 10**7, np.int64)
        for s in self.reps[pattern]:
            out[sellers == s] = self.onset[(pattern, s)]
        return out


def plan_roles(org: Org, cal: Calendar, deals_per_seller: np.ndarray) -> RolePlan:
    used: set[int] = set()
    for v in org.planted.values():
        used |= set(v) if isinstance(v, list) else {int(v)}
    role_used: set[int] = set()
    reps: dict[str, list[int]] = {}
    for key, (role, _, _) in PATTERNS.items():
        members = [int(s) for s in np.flatnonzero(org.s_role == role)[::-1]]
        k = max(1, round(SHARE * len(members)))
        free = [s for s in members if s not in used]
        if role == "AE":  # deal-rate patterns need volume: the AEs with the most deals
            free = sorted(free, key=lambda s: -int(deals_per_seller[s]))
        chosen = free[:k] or [s for s in members if s not in role_used][:1]  # XS: no free rep left
        used |= set(chosen)
        role_used |= set(chosen)
        reps[key] = sorted(chosen)
    month_start = cal.months[-1].start
    plan = RolePlan(reps=reps, month0=(month_start - cal.start).days + cal.start_day)
    for key, (_, _, back) in PATTERNS.items():
        for i, s in enumerate(reps[key]):
            shift = back
            if key == "csm_tier_drop":
                shift = (-2, -1, -3)[i % 3]  # spread the drop months at M and L
            if key == "ae_forecast":
                q = cal.quarters[-1].start
                first = add_months(q, -9)  # three closed quarters before the current one
                plan.onset[(key, s)] = (first - cal.start).days + cal.start_day
                continue
            d = add_months(month_start, shift)
            plan.onset[(key, s)] = (d - cal.start).days + cal.start_day
    return plan


def spaced(owner: np.ndarray, key: np.ndarray, p: np.ndarray, carry: np.ndarray) -> np.ndarray:
    """Bernoulli-like flags spread evenly: per owner, in key order, a flag whenever the running
    sum of p (started at carry[owner], advanced in place) passes a whole number. A rate then
    holds in every window instead of wandering with sampling noise (the role patterns are
    told apart from noise by their size, not by luck)."""
    owner = np.asarray(owner, np.int64)
    order = np.lexsort((key, owner))
    o, q = owner[order], np.asarray(p, float)[order]
    csum = np.cumsum(q)
    first = np.searchsorted(o, o)
    before_group = np.where(first > 0, csum[first - 1], 0.0)
    run = carry[o] + csum - before_group  # running sum within the owner, after this one
    flags = np.floor(run) > np.floor(run - q)
    out = np.zeros(len(owner), bool)
    out[order] = flags
    last = np.r_[o[1:] != o[:-1], True] if len(o) else np.zeros(0, bool)
    carry[o[last]] = run[last]
    return out
