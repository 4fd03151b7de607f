"""The customer-success platform's exports (cs/, a fourth source folder; roles contract):

cs/health.csv - one snapshot per customer account (AM- and CSM-owned) on the 1st of every
month of the span: health_score 0-100 (an account's own level, N(72, 11), 4% of them
8-28, plus a slowly moving deviation), health_tier from the score (>= 75 healthy, >= 50 neutral, >= 25 at_risk,
else critical; 20% of the rows leave it empty, the score decides), nps (-100..100, on ~35% of
the snapshots: survey months), csat (1-5, one decimal, on ~half), arr (USD, the account's
active contracts, roles_deals.py) and csm_id (the account's CSM, roles_crm.py).
Planted (roles_plan csm_tier_drop): from the onset month on, 70% of the CSM's book (the
accounts above critical) fall just below their tier's lower bound and stay there - more
than half of the book drops a tier in that one month.

cs/onboarding.csv - one onboarding per account of every CSM's book, kickoffs spread evenly
over the span: milestones Kickoff, Technical setup, Data integration, Training, Go-live due
at 0, 1/4, 1/2, 3/4 and all of ttv_target_days (60, Enterprise 90) after kickoff; 85%
completed by their due date, the rest 3-25 days late (roles_plan csm_late_milestones: 80%
late from the onset on; the late ones spread evenly over each CSM's due dates); completed_date empty while not done by as_of; go_live_date (the
Go-live milestone's completion) and kickoff_date on every row of the onboarding.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .accounts import Accounts
from .common import Calendar, date_text, masked, rng_for
from .org import Org
from .roles_crm import AccountRoles, ContractRows
from .roles_plan import RolePlan, spaced
from .writers import Sink, frame

TIERS = ("critical", "at_risk", "neutral", "healthy")  # rank 1..4
TIER_FLOOR = np.array([0.0, 25.0, 50.0, 75.0])
MILESTONES = ("Kickoff", "Technical setup", "Data integration", "Training", "Go-live")
MILESTONE_AT = np.array([0.0, 0.25, 0.5, 0.75, 1.0])


def tier_of(score: np.ndarray) -> np.ndarray:
    """0 critical .. 3 healthy."""
    return np.searchsorted(TIER_FLOOR, score, side="right") - 1


def build_health(org: Org, acc: Accounts, ar: AccountRoles, cal: Calendar, plan: RolePlan, seed: int) -> dict:
    """Account x month scores (the planted drops applied): {account, month_day, score}."""
    rng = rng_for(seed, "roles-health")
    accounts = np.flatnonzero(acc.customer)
    n, t = len(accounts), len(cal.months)
    base = np.clip(rng.normal(72, 11, n), 30, 96)
    base = np.where(rng.random(n) < 0.04, rng.uniform(8, 28, n), base)  # a few accounts in real trouble
    e = np.zeros((n, t))
    noise = rng.normal(0, 3.0, (n, t))
    for k in range(t):
        e[:, k] = (0.7 * e[:, k - 1] if k else 0.0) + noise[:, k]
    score = np.clip(base[:, None] + e, 0, 100)
    month_day = np.array([m.start_day for m in cal.months])
    csm = ar.csm[accounts]
    for s in plan.reps["csm_tier_drop"]:
        k0 = int(np.searchsorted(month_day, plan.onset[("csm_tier_drop", s)]))
        if not 0 < k0 < t:
            continue
        book = np.flatnonzero(csm == s)
        prev = score[book, k0 - 1]
        eligible = book[tier_of(prev) > 0]
        pick = eligible[rng.random(len(eligible)).argsort()[: int(np.ceil(0.7 * len(book)))]]
        p = score[pick, k0 - 1]
        drop = p - TIER_FLOOR[tier_of(p)] + rng.uniform(3, 9, len(pick))
        score[pick, k0:] = np.clip(score[pick, k0:] - drop[:, None], 0, 100)
    return {"accounts": accounts, "month_day": month_day, "score": np.round(score, 1), "csm": csm}


def write_health(hs: dict, org: Org, acc: Accounts, contracts: ContractRows, cal: Calendar, sink: Sink,
                 seed: int) -> None:
    rng = rng_for(seed, "roles-health-fields")
    accounts, month_day, score = hs["accounts"], hs["month_day"], hs["score"]
    n, t = score.shape
    a = np.repeat(accounts, t)
    day = np.tile(month_day, n)
    sc = score.ravel()
    m = len(a)
    # ARR: the contracts active on the snapshot day
    pos = np.full(len(acc.id), -1, np.int64)
    pos[accounts] = np.arange(n)
    arr = np.zeros((n, t))
    for k, d in enumerate(month_day.tolist()):
        act = (contracts.start_day <= d) & (contracts.end_day >= d)
        np.add.at(arr[:, k], pos[contracts.account[act]], contracts.arr[act])
    arr = arr.ravel()
    base_nps = np.repeat(np.clip(rng.normal(35, 25, n), -80, 90), t)
    base_score = np.repeat(score.mean(axis=1), t)
    nps = np.clip(np.round(base_nps + 0.8 * (sc - base_score) + rng.normal(0, 8, m)), -100, 100).astype(np.int64)
    csat = np.clip(np.round(3.2 + 1.6 * sc / 100 + rng.normal(0, 0.25, m), 1), 1.0, 5.0)
    csm = np.repeat(hs["csm"], t)
    df = frame({
        "account_id": acc.id[a], "snapshot_date": date_text(day),
        "health_score": pl.Series(sc).cast(pl.Utf8),
        "health_tier": masked(np.array(TIERS)[tier_of(sc)], rng.random(m) >= 0.2),
        "nps": masked(pl.Series(nps).cast(pl.Utf8), rng.random(m) < 0.35),
        "csat": masked(pl.Series(csat).cast(pl.Utf8), rng.random(m) < 0.5),
        "arr": masked(pl.Series(np.round(arr).astype(np.int64)).cast(pl.Utf8) + ".00", arr > 0),
        "csm_id": masked(org.s_id[np.maximum(csm, 0)], csm >= 0),
    })
    sink.csv("cs/health.csv", "cs_health", df)


def build_onboarding(org: Org, acc: Accounts, ar: AccountRoles, cal: Calendar, plan: RolePlan, seed: int) -> dict:
    rng = rng_for(seed, "roles-onboarding")
    book = np.flatnonzero(ar.csm >= 0)
    csm = ar.csm[book]
    order = np.lexsort((rng.random(len(book)), csm))
    book, csm = book[order], csm[order]
    first = np.searchsorted(csm, csm)
    size = np.bincount(csm, minlength=org.n_sellers)[csm]
    rank = np.arange(len(book)) - first
    span = cal.end_day - cal.start_day - 75
    kickoff = cal.business_day(cal.start_day + ((rank + rng.random(len(book))) / size * span).astype(np.int64))
    target = np.where(ar.segment[book] == 2, 90, 60)
    k = len(MILESTONES)
    a = np.repeat(np.arange(len(book)), k)
    j = np.tile(np.arange(k), len(book))
    due = cal.business_day(kickoff[a] + np.round(MILESTONE_AT[j] * target[a]).astype(np.int64))
    late_onset = plan.onset_of("csm_late_milestones", csm[a])
    p_late = np.where(plan.mask("csm_late_milestones", csm[a]) & (due >= late_onset), 0.8, 0.15)
    late = spaced(csm[a], due, np.where(j > 0, p_late, 0.0), rng.random(org.n_sellers)) & (j > 0)
    done = np.where(late, due + rng.integers(3, 26, len(a)), due - rng.integers(0, 5, len(a)))
    done = np.where(j == 0, kickoff[a], np.maximum(done, kickoff[a]))
    completed = done <= cal.end_day
    go_live = done[j == k - 1]
    live_known = completed[j == k - 1]
    return {"account": book[a], "csm": csm[a], "milestone": j, "due": due, "done": done, "completed": completed,
            "kickoff": kickoff[a], "target": target[a], "go_live": go_live[a], "live_known": live_known[a]}


def write_onboarding(ob: dict, acc: Accounts, sink: Sink) -> None:
    df = frame({
        "account_id": acc.id[ob["account"]], "milestone": np.array(MILESTONES)[ob["milestone"]],
        "due_date": date_text(ob["due"]), "completed_date": masked(date_text(ob["done"]), ob["completed"]),
        "ttv_target_days": pl.Series(ob["target"]).cast(pl.Utf8),
        "go_live_date": masked(date_text(ob["go_live"]), ob["live_known"]),
        "kickoff_date": date_text(ob["kickoff"]),
    })
    sink.csv("cs/onboarding.csv", "cs_onboarding", df)
