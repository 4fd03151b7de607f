"""The ground truth: what the generator planted, written beside the landing zone (never
inside it, so no ingestion ever reads it) for `coaching eval` to score the coaching signal
against (coaching contract, "Signal a manager can act on").

    <landing>_ground_truth.json   e.g. data/landing -> data/landing_ground_truth.json

Contents (dates ISO; weeks named by their Monday; rep ids are Salesforce User ids):
- gaps: every run of weeks a seller's level of a skill is below skill.GAP_Q, of the last
  TRUTH_WEEKS weeks: rep_id, role, skill, kind (chronic | onset | partial_improver |
  recovered), from (Monday of its first week; the span's first Monday for a gap older than
  the window), until (Sunday of its last week, null while it lasts at as_of), level (the
  lowest weekly level, 0-1), detectable and why_not: thin_evidence for a thin-evidence
  seller's call skill, and for negotiation (deals only) of a seller who closes fewer than 3
  deals per 90 days; process_gap for a process gap.
- process_gaps: (role, skill) where more than half of the role is in gap in as_of's week.
- bottom_quartile: per rep, the weeks its latent overall level (the mean of its six skills)
  is below the role's 25th percentile (tied sellers share their mid-rank).
- attainment: per AE, each fiscal quarter of the window with its quota and the deals won in
  it (USD, as planted).
- deal_fates: every open deal at as_of and whether it will be won or lost after as_of, drawn
  from what a health score can see (champion, economic buyer, contact roles, MEDDPICC, a
  stale or overdue deal) and the owner's closing level.
- role_patterns: one entry per planted role pattern (roles_plan.py), {rep_id, role,
  pattern_key, months (month_start of the fiscal months in which the data shows it),
  detectable}, computed from the written records (roles_truth.py).
- role_incidental: the role patterns the generated data shows for sellers not planted with
  them ({rep_id, role, pattern_key, months}): an AE whose forecast happened to miss its band
  two quarters running, or whose conversion out of some stage is far under the segment's.
  A flag on one is true of the data; the eval counts it right, and never expects it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .common import Calendar, from_day, rng_for
from .deals import MEDDPICC, Deals, Quotas
from .org import Org
from .skill import CALL_SKILLS, CLOSING, GAP_Q, NEGOTIATION, SKILLS

TRUTH_WEEKS = 30  # the window the truth describes, in weeks up to as_of's (12 are assessed on a new install)
VERSION = 1
MIN_CLOSED_DEALS = 3  # the coaching contract's default minimum of closed deals behind a deal component


def truth_path(landing: Path) -> Path:
    """Beside the landing zone, named after it."""
    landing = Path(landing)
    return landing.with_name(f"{landing.name}_ground_truth.json")


def _monday(cal: Calendar, week: int) -> str:
    return from_day(cal.first_monday + 7 * week).isoformat()


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) indexes of each run of True."""
    runs, start = [], None
    for i, v in enumerate(mask):
        if v and start is None:
            start = i
        if not v and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(mask) - 1))
    return runs


def _kinds(org: Org) -> dict[tuple[int, int], str]:
    kinds = {(s, k): kind for s, k, kind in org.gap_plan}
    p = org.planted
    disc = SKILLS.index("discovery")
    kinds[(p["collapse"], disc)] = "onset"
    kinds[(p["resolved"], disc)] = "recovered"
    kinds[(p["reset"], disc)] = "partial_improver"
    for s in p["improvers"]:
        kinds[(s, disc)] = "recovered"
    for s in p["decliners"]:
        kinds[(s, disc)] = "onset"
    return kinds


def _few_closed_deals(org: Org, deals: Deals, cal: Calendar) -> set[int]:
    """Sellers who close fewer than MIN_CLOSED_DEALS deals per 90 days (over the last 180):
    their deal-only skill (negotiation) has too little evidence to show a gap."""
    recent = deals.closed & ~deals.deleted & (deals.close_day > cal.end_day - 180)
    per_90 = np.bincount(deals.owner[recent], minlength=org.n_sellers) / 2.0
    return set(np.flatnonzero(per_90 < MIN_CLOSED_DEALS).tolist())


def _gaps(org: Org, deals: Deals, cal: Calendar, first_week: int) -> tuple[list[dict], list[dict]]:
    W = cal.n_weeks
    in_gap = org.q < GAP_Q  # seller x week x skill
    now = in_gap[:, W - 1, :]
    process = []
    for role in sorted(set(org.s_role.tolist())):
        members = org.s_role == role
        for k, skill in enumerate(SKILLS):
            share = float(now[members, k].mean())
            if members.sum() >= 4 and share > 0.5:
                process.append({"role": role, "skill": skill, "share": round(share, 3)})
    process_keys = {(p["role"], p["skill"]) for p in process}
    kinds = _kinds(org)
    thin = set(org.planted["thin_evidence"])
    few_deals = _few_closed_deals(org, deals, cal)
    gaps = []
    for s in range(org.n_sellers):
        role = str(org.s_role[s])
        for k, skill in enumerate(SKILLS):
            for a, b in _runs(in_gap[s, :, k]):
                if b < first_week:
                    continue
                why_not = ("process_gap" if (role, skill) in process_keys
                           else "thin_evidence" if (s in thin and k in CALL_SKILLS)
                           or (s in few_deals and k == NEGOTIATION) else None)
                gaps.append({
                    "rep_id": str(org.s_id[s]), "role": role, "skill": skill,
                    "kind": kinds.get((s, k), "chronic"),
                    "from": _monday(cal, a), "until": None if b == W - 1 else from_day(
                        cal.first_monday + 7 * b + 6).isoformat(),
                    "level": round(float(org.q[s, a:b + 1, k].min()), 3),
                    "detectable": why_not is None, "why_not": why_not,
                })
    return gaps, process


def _bottom_quartile(org: Org, cal: Calendar, first_week: int) -> dict[str, list[str]]:
    overall = org.q.mean(axis=2)  # seller x week
    weeks: dict[str, list[str]] = {}
    for role in sorted(set(org.s_role.tolist())):
        members = np.flatnonzero(org.s_role == role)
        if len(members) < 2:
            continue
        for w in range(first_week, cal.n_weeks):
            values = overall[members, w]
            below = (values[:, None] > values[None, :]).sum(1)
            ties = (values[:, None] == values[None, :]).sum(1) - 1
            pct = (below + ties / 2.0) / (len(members) - 1) * 100
            for s in members[pct < 25]:
                weeks.setdefault(str(org.s_id[s]), []).append(_monday(cal, w))
    return dict(sorted(weeks.items()))


def _attainment(org: Org, deals: Deals, quotas: Quotas, cal: Calendar, first_day: int) -> dict:
    out: dict[str, dict] = {}
    ok = deals.won & ~deals.deleted
    for qi, quarter in enumerate(cal.quarters):
        if quarter.end_day < first_day or quarter.start_day > cal.end_day:
            continue
        in_q = ok & (deals.close_day >= quarter.start_day) & (deals.close_day <= quarter.end_day)
        for s in np.flatnonzero(org.s_role == "AE"):
            quota = quotas.amount[(quotas.owner == s) & (quotas.quarter == qi)]
            won = np.flatnonzero(in_q & (deals.owner == s))
            out.setdefault(str(org.s_id[s]), {})[quarter.start.isoformat()] = {
                "end": quarter.end.isoformat(), "quota_usd": float(quota[0]) if len(quota) else None,
                "won": [[from_day(deals.close_day[d]).isoformat(), float(deals.amount[d])] for d in won],
            }
    return out


def _deal_fates(org: Org, deals: Deals, cal: Calendar, seed: int) -> dict[str, str]:
    rng = rng_for(seed, "deal-fates")
    open_ = np.flatnonzero(~deals.closed & ~deals.deleted)
    roles_of = [deals.ocr_role[deals.ocr_start[d]:deals.ocr_start[d] + deals.ocr_count[d]] for d in open_]
    champ = np.array([("Champion" in r) for r in roles_of], float)
    eb = np.array([any(x.startswith("Economic") for x in r) for r in roles_of], float)
    k = np.minimum(deals.ocr_count[open_], 5)
    filled = np.mean([np.char.strip(deals.meddpicc[f][open_].astype(str)) != "" for f, _ in MEDDPICC], axis=0)
    overdue = (deals.close_day[open_] < cal.end_day).astype(float)
    stale = deals.zombie[open_].astype(float)
    closing = org.q[deals.owner[open_], cal.n_weeks - 1, CLOSING]
    z = (0.9 - 1.0 * champ - 0.8 * eb - 0.25 * (k - 1) - 1.5 * filled + 1.8 * stale + 0.9 * overdue
         - 2.0 * (closing - 0.6))
    lost = rng.random(len(open_)) < 1.0 / (1.0 + np.exp(-z))
    return {str(deals.id[d]): ("lost" if x else "won") for d, x in zip(open_, lost)}


def ground_truth(org: Org, deals: Deals, quotas: Quotas, cal: Calendar, scale: str, seed: int,
                 role_patterns: list[dict] | None = None, role_incidental: list[dict] | None = None) -> dict:
    first_week = max(0, cal.n_weeks - TRUTH_WEEKS)
    gaps, process = _gaps(org, deals, cal, first_week)
    return {
        "version": VERSION, "scale": scale, "seed": seed, "as_of": cal.as_of.isoformat(),
        "window_start": _monday(cal, first_week), "gap_level_below": GAP_Q, "skills": list(SKILLS),
        "sellers": {str(org.s_id[s]): {"role": str(org.s_role[s]), "top": bool(org.s_top[s]),
                                       "thin_evidence": s in set(org.planted["thin_evidence"])}
                    for s in range(org.n_sellers)},
        "gaps": gaps,
        "process_gaps": process,
        "bottom_quartile": _bottom_quartile(org, cal, first_week),
        "attainment": _attainment(org, deals, quotas, cal, cal.first_monday + 7 * first_week),
        "deal_fates": _deal_fates(org, deals, cal, seed),
        "role_patterns": role_patterns or [],
        "role_incidental": role_incidental or [],
    }


def write_truth(path: Path, truth: dict) -> None:
    """Atomically (a reader never sees half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)
