"""Gong calls: which calls take place and what each one measures (gong.py writes them).

Calls come from four sources: the first meeting of each deal (same time as its Event),
follow-up meetings on the deal while it is worked, background External calls of each seller
every week (prospecting, account calls; some are contact-fallback calls on an open deal
without Opportunity context), and Internal calls. Every per-call metric is a noisy function
of the seller's level that week of the skill it shows (org.q: discovery -> questions, customer
story, patience; presentation -> talk ratio, monologue, filler words; objection handling ->
next steps on calls that met an objection; closing -> next steps on the other calls), which
carries the planted gaps and trajectories. Of the thin-evidence sellers' External calls only
the first of every five weeks is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .accounts import Accounts
from .common import DAY, G_CALL, G_WORKSPACE, Calendar, gong_id, gong_ids, lerp, rng_for
from .deals import Deals
from .org import Org
from .skill import CLOSING, DISCOVERY, OBJECTION, PRESENTATION, QUALIFICATION

TRACKERS = ["Next Steps", "Pricing", "Competitors", "Objections", "Budget", "Timing", "Decision Process",
            "Filler Words", "Call Intro", "Demo"]
T_NEXT, T_PRICING, T_COMP, T_OBJ, T_BUDGET, T_TIMING, T_DP, T_FILLER, T_INTRO, T_DEMO = range(10)
WORKSPACE_ID = gong_id(G_WORKSPACE, 1)
KIND_FIRST, KIND_FOLLOW, KIND_BACKGROUND, KIND_INTERNAL = range(4)


@dataclass
class Calls:
    n: int
    kind: np.ndarray
    rep: np.ndarray
    deal: np.ndarray  # deal worked on the call (-1 none)
    ctx_opp: np.ndarray  # Opportunity object in context
    account: np.ndarray  # account in context (-1 none)
    ext_contacts_deal: np.ndarray  # externals drawn from this deal's contact roles (-1 none)
    started: np.ndarray  # epoch s
    scheduled: np.ndarray
    duration: np.ndarray
    external: np.ndarray
    q: np.ndarray  # (n, 6) the call's level per skill (skill.SKILLS)
    stats: np.ndarray  # (n, 5) floats
    stat_missing: np.ndarray  # (n,) -1 or the index of the missing stat
    questions: np.ndarray  # (n, 2)
    questions_missing: np.ndarray
    trackers: np.ndarray  # (n, 10)
    id: np.ndarray  # int64 Gong ids in started order


def build_calls(org: Org, acc: Accounts, deals: Deals, cal: Calendar, seed: int) -> Calls:
    rng = rng_for(seed, "gong-calls")
    S, W = org.n_sellers, cal.n_weeks
    # A: first meetings (the recorded Event of the deal's first meeting)
    dA = np.flatnonzero(deals.has_meeting & (rng.random(deals.n) < 0.85))
    # B: follow-up meetings while the deal is worked
    hm = np.flatnonzero(deals.has_meeting)
    room = deals.end_day[hm] - deals.fm_day[hm]
    kB = np.where(room >= 2, np.minimum(rng.poisson(np.maximum(room, 0) / 21.0), 6), 0)
    dB = np.repeat(hm, kB)
    dayB = deals.fm_day[dB] + 1 + (rng.random(len(dB)) * (deals.end_day[dB] - deals.fm_day[dB])).astype(np.int64)
    dayB = np.minimum(dayB, deals.end_day[dB])
    dayB = cal.business_day(dayB, lo=deals.fm_day[dB] + 1, hi=np.minimum(deals.end_day[dB], cal.end_day))
    # C: background External calls every week; D: Internal calls
    s_w = np.repeat(np.arange(S), W)
    w_w = np.tile(np.arange(W), S)
    sdr = org.s_role[s_w] == "SDR"
    nC = np.where(sdr, 2, 1) + rng.binomial(np.where(sdr, 2, 1), np.where(sdr, 0.5, 0.45))
    sC, wC = np.repeat(s_w, nC), np.repeat(w_w, nC)
    dayC = cal.first_monday + 7 * wC + rng.integers(0, 5, len(sC))
    keep = (dayC >= cal.start_day) & (dayC <= cal.end_day)
    sC, dayC = sC[keep], dayC[keep]
    nD = rng.binomial(1, 0.3, len(s_w))
    sD = np.repeat(s_w, nD)
    dayD = cal.first_monday + 7 * np.repeat(w_w, nD) + rng.integers(0, 5, len(sD))
    keep = (dayD >= cal.start_day) & (dayD <= cal.end_day)
    sD, dayD = sD[keep], dayD[keep]

    kind = np.concatenate([np.full(len(dA), KIND_FIRST), np.full(len(dB), KIND_FOLLOW),
                           np.full(len(sC), KIND_BACKGROUND), np.full(len(sD), KIND_INTERNAL)])
    rep = np.concatenate([deals.owner[dA], deals.owner[dB], sC, sD])
    deal = np.concatenate([dA, dB, np.full(len(sC) + len(sD), -1)])
    n = len(kind)
    day_BCD = np.concatenate([dayB, dayC, dayD])
    rep_BCD = rep[len(dA):]
    sched_BCD = cal.work_ts(day_BCD, org.s_tz[rep_BCD], rng.random(len(day_BCD)), lo=8.0, hi=17.0) // 900 * 900
    scheduled = np.concatenate([deals.fm_ts[dA], sched_BCD])
    started = scheduled + rng.integers(-60, 300, n)
    started = np.minimum(np.maximum(started, scheduled - 60), cal.end_ts - 30)
    day = started // DAY

    # contact fallback among background calls of AE/AM/CSM: an open deal of the rep without
    # Opportunity context, its contact-role contacts on the call
    open_deals = np.flatnonzero(~deals.closed & ~deals.deleted)
    o_order = open_deals[np.lexsort((deals.created_day[open_deals], deals.owner[open_deals]))]
    o_keys = deals.owner[o_order] * (1 << 21) + deals.created_day[o_order]
    o_rep_start = np.searchsorted(o_keys, np.arange(S) * (1 << 21))
    u = rng.random((6, n))
    is_bg = kind == KIND_BACKGROUND
    pos = np.searchsorted(o_keys, rep * (1 << 21) + day, side="right")
    cnt = pos - o_rep_start[rep]
    fb = is_bg & (org.s_role[rep] != "SDR") & (cnt > 0) & (u[0] < 0.25)
    fb_deal = np.where(fb, o_order[np.clip(o_rep_start[rep] + (u[1] * np.maximum(cnt, 1)).astype(np.int64), 0,
                                           max(len(o_order) - 1, 0))] if len(o_order) else -1, -1)
    # the pipeline links these calls to the deal through the contact: keep them after the
    # deal's first meeting so days-to-first-meeting stays as planted
    fbd = np.maximum(fb_deal, 0)
    fb &= deals.has_meeting[fbd] & (day > deals.fm_day[fbd])
    fb_deal = np.where(fb, fb_deal, -1)
    ctx_opp = (kind == KIND_FIRST) | ((kind == KIND_FOLLOW) & (u[2] < 0.9))
    ext_deal = np.where(kind <= KIND_FOLLOW, deal, np.where(fb, fb_deal, -1))
    book_acc = acc.book_start[rep] + (u[3] * acc.book_size[rep]).astype(np.int64)
    account = np.where(ext_deal >= 0, deals.account[np.maximum(ext_deal, 0)],
                       np.where(is_bg & (u[4] < 0.8), book_acc, -1))
    bg_known = is_bg & ~fb & (account >= 0)
    account = np.where(bg_known | (ext_deal >= 0), account, np.where(is_bg, -2 - book_acc, -1))
    # account < -1 encodes "background call on this account without a CRM context" (-2 - idx)

    external = kind != KIND_INTERNAL
    duration = np.where(kind <= KIND_FOLLOW, rng.integers(1500, 3601, n),
                        np.where(kind == KIND_INTERNAL, rng.integers(900, 2701, n),
                                 np.where(org.s_role[rep] == "SDR", rng.integers(120, 901, n), rng.integers(900, 2401, n))))

    week = np.clip(cal.week_of(day), 0, W - 1)
    # the planted escalation reps get little per-call noise so their 30-day means follow the plan
    calm = np.isin(rep, [org.planted[k] for k in ("collapse", "reset", "resolved")])
    # a call's level per skill: the seller's level that week plus the call's own noise
    q = np.clip(org.q[rep, week] + (rng.normal(0, 0.05, n) * np.where(calm, 0.2, 1.0))[:, None], 0.0, 1.0)
    qd, qq, qp, qo, qc = (q[:, k] for k in (DISCOVERY, QUALIFICATION, PRESENTATION, OBJECTION, CLOSING))
    e = rng.normal(0, 1, (8, n)) * np.where(calm, 0.3, 1.0)
    talk = np.clip(lerp(0.66, 0.42, qp) + 0.04 * e[0], 0.2, 0.9)
    mono = np.clip(lerp(225, 92, qp) + 20 * e[1], 20, None)
    mono = np.minimum(mono, duration * talk * 0.8)
    story = np.clip(lerp(35, 100, qd) + 12 * e[2], 5, None)
    inter = np.clip(lerp(4.0, 8.5, q.mean(1)) + 0.6 * e[3], 0, 10)
    patience = np.clip(lerp(0.25, 0.98, qd ** 1.5) + 0.07 * e[4], 0.05, None)
    stats = np.stack([np.round(talk, 2), np.round(mono), np.round(story), np.round(inter, 2), np.round(patience, 2)], 1)
    stat_missing = np.where(rng.random(n) < 0.015, rng.integers(0, 5, n), -1)
    company_q = np.clip(np.round(lerp(4.5, 13.5, qd) + 1.4 * e[5]), 0, None)
    questions = np.stack([company_q, rng.poisson(lerp(3.0, 7.0, qd))], 1).astype(np.int64)
    questions_missing = rng.random(n) < 0.005
    tr = np.zeros((n, len(TRACKERS)), np.int64)
    tr[:, T_OBJ] = rng.poisson(0.7, n)
    # a call that met an objection reaches a next step as the seller handles objections;
    # any other call as the seller closes
    tr[:, T_NEXT] = rng.poisson(lerp(0.2, 2.4, np.where(tr[:, T_OBJ] > 0, qo, qc)))
    tr[:, T_PRICING] = rng.poisson(np.where(kind == KIND_FOLLOW, 1.2, 0.5))
    tr[:, T_COMP] = rng.poisson(0.35, n)
    tr[:, T_BUDGET] = rng.poisson(lerp(0.3, 0.9, qq))
    tr[:, T_TIMING] = rng.poisson(0.6, n)
    tr[:, T_DP] = rng.poisson(lerp(0.2, 1.0, qq))
    tr[:, T_FILLER] = rng.poisson(lerp(110, 35, qp) * duration / 2400.0)
    tr[:, T_INTRO] = rng.poisson(0.9, n)
    tr[:, T_DEMO] = rng.poisson(0.2, n)
    internal = ~external
    tr[internal] = 0
    tr[internal, T_FILLER] = rng.poisson(20, int(internal.sum()))

    # thin evidence: of these sellers' External calls only the first of every 5 weeks is
    # recorded, so any 30 days hold at most 2 (fewer than a conversation component needs)
    thin = np.isin(rep, org.planted["thin_evidence"]) & external
    block = rep.astype(np.int64) * (1 << 20) + week // 5
    first_of_block = np.zeros(n, bool)
    by_time = np.flatnonzero(thin)[np.argsort(started[thin], kind="stable")]
    _, first = np.unique(block[by_time], return_index=True)
    first_of_block[by_time[first]] = True
    keep = ~thin | first_of_block
    order = np.flatnonzero(keep)[np.lexsort((rep[keep], kind[keep], started[keep]))]
    n = len(order)
    fields = dict(kind=kind, rep=rep, deal=deal, ctx_opp=ctx_opp, account=account, ext_contacts_deal=ext_deal,
                  started=started, scheduled=scheduled, duration=duration, external=external, q=q, stats=stats,
                  stat_missing=stat_missing, questions=questions, questions_missing=questions_missing, trackers=tr)
    fields = {k: v[order] for k, v in fields.items()}
    return Calls(n=n, id=gong_ids(G_CALL, np.arange(1, n + 1)), **fields)
