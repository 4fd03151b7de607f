"""The planted signal of the org: each seller's latent skill and the top ~25% of each role,
a quality level per seller, week and SKILL (org.q, 0 bad - 1 excellent) with the gaps planted
in it, the behaviour parameters the levels drive (org.params), and the planted reps. Drawn
by org.build_org: skill and parameters from the org's generator (as before), the gap plan
from its own stream ("skill-gaps"), so the org's other draws do not move.

Levels: a top seller is 0.80-0.98 on every skill, any other seller competent (0.62-0.92),
except where a gap is planted (0.02-0.25). A week is "in gap" when its level is below GAP_Q;
that is what the ground truth (truth.py) reports and what `coaching eval` scores against.

Gaps planted (rest sellers, never the top 25%):
- qualification, org-wide: the rest of every role (75%) barely fill MEDDPICC or name a
  champion (an org that does not fill MEDDPICC): more than half of each role cohort, so a
  process gap, never an event per seller;
- one gap (70%) and a second (20%) per rest seller on another skill, chosen uniformly. On
  the call skills (discovery, presentation, objection handling) a gap is chronic (50%), starts
  at week -k (onset, 25%, k 4..14), improves partly but stays a gap (15%), or recovers at
  week -r (10%, r 3..8). Negotiation and closing, which the CRM's 90-day deal window shows
  only slowly, are chronic;
- improvers (rest) recover and decliners (top) fall on discovery over weeks -16..0;
- thin-evidence sellers: a discovery gap behind too few recorded calls (gong_calls.py keeps
  one External call in five weeks of theirs), which no detector may flag;
- a struggling AE with chronic gaps on discovery, presentation, objection handling and
  closing: four events for three focus-area slots;
- the four escalation reps (collapse, reset, resolved on discovery; low attainment).
Weeks w are counted back from the week containing as_of (0).
"""

from __future__ import annotations

import numpy as np

from .common import Calendar, rng_for

SKILLS = ("discovery", "qualification", "presentation", "objection_handling", "negotiation", "closing")
DISCOVERY, QUALIFICATION, PRESENTATION, OBJECTION, NEGOTIATION, CLOSING = range(len(SKILLS))
CALL_SKILLS = (DISCOVERY, PRESENTATION, OBJECTION)
GAP_Q = 0.40  # a week below this level is in gap (ground truth)
GAP_KINDS = ("chronic", "onset", "partial_improver", "recovered")


def skill_and_params(s_role: np.ndarray, roles: tuple[str, ...],
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict]:
    """Latent skill, the top ~25% of each role, and the parameters that do not follow a
    skill level (days to first meeting, activity volume, cycle, quota); crm_params adds the
    ones the skill levels drive."""
    n = len(s_role)
    skill = rng.random(n)
    top = np.zeros(n, bool)
    for role in roles:
        members = np.flatnonzero(s_role == role)
        k_top = max(1, round(0.25 * len(members)))
        order = members[np.argsort(-skill[members], kind="stable")]
        top[order[:k_top]] = True
    r = rng.random((12, n))
    P = {
        "dtm_lo": np.where(top, 3, 15),
        "dtm_hi": np.where(top, 7, 30),
        "daily": np.where(top, 15.5 + 3.5 * r[2], 6.5 + 2.5 * r[2]),  # counted activities / business day
        "p_low": np.where(top, 0.03, 0.12),
        "cycle_mult": np.where(top, 0.85, 1.0),
        "quota_factor": 0.92 + 0.16 * r[4],
    }
    return skill, top, P


def crm_params(level: np.ndarray) -> dict:
    """The deal behaviour each seller's (time-constant) level of the CRM skills drives:
    qualification -> champion, economic buyer, MEDDPICC, early disqualification; negotiation ->
    late-stage losses, deal size; closing -> win rate, close dates kept, NextStep."""
    qual, neg, close = level[:, QUALIFICATION], level[:, NEGOTIATION], level[:, CLOSING]
    lerp = lambda a, b, q: a + (b - a) * q  # noqa: E731
    return {
        "p_champ": lerp(0.10, 0.92, qual),
        "p_eb": lerp(0.08, 0.88, qual),
        "p_champ_field": lerp(0.03, 0.80, qual),
        "p_eb_field": lerp(0.03, 0.80, qual),
        "p_meddpicc": lerp(0.02, 0.88, qual),
        "p_early_dq": lerp(0.05, 0.75, qual),
        "p_late_loss": lerp(0.95, 0.05, neg),
        "neg_win_factor": lerp(0.35, 1.0, neg),  # a weak negotiator loses deals a good closer would win
        "amount_mult": lerp(0.45, 1.35, neg),
        "p_win": lerp(0.15, 0.60, close),
        "p_slip": lerp(0.55, 0.08, close),
        "p_next_step": lerp(0.10, 0.60, close),
    }


def planted_reps(s_role: np.ndarray, top: np.ndarray) -> dict:
    """The planted reps (seller indexes): the four escalation cases, improvers, decliners and
    the thin-evidence sellers."""
    n = len(s_role)
    ae = np.flatnonzero(s_role == "AE")
    ae_top = [int(s) for s in ae if top[s]]
    ae_rest = [int(s) for s in ae if not top[s]]
    planted = {
        "collapse": ae_top[0],  # (a) questions collapse below target and stay there
        "resolved": ae_top[1],  # (c) flagged a few weeks, then recovers above target
        "reset": ae_rest[0],  # (b) flagged 2 weeks, then improves >10% but stays below target
        "low_attainment": ae_rest[1],  # (d) far below 50% attainment in the current quarter
        "struggling": ae_rest[2],  # a gap on every call skill and closing: more gaps than focus-area slots
    }
    used = set(planted.values())
    k_trend = max(2, round(0.04 * n))

    def spread(pool: list[int], k: int) -> list[int]:
        """k reps taken round-robin across roles (AM, CSM, SDR, AE)."""
        by_role = {r: [s for s in pool if s_role[s] == r] for r in ("AM", "CSM", "SDR", "AE")}
        chosen: list[int] = []
        while len(chosen) < k and any(by_role.values()):
            for r in ("AM", "CSM", "SDR", "AE"):
                if by_role[r] and len(chosen) < k:
                    chosen.append(by_role[r].pop(0))
        return chosen

    planted["improvers"] = spread([s for s in range(n) if not top[s] and s not in used], k_trend)
    planted["decliners"] = spread([s for s in range(n) if top[s] and s not in used], k_trend)
    used |= set(planted["improvers"]) | set(planted["decliners"])
    # the last rest sellers of each role, so the first ones (above) keep their plans at every scale
    planted["thin_evidence"] = spread([s for s in range(n - 1, -1, -1) if not top[s] and s not in used],
                                      max(1, round(0.03 * n)))
    return planted


def _gap_plan(s_role: np.ndarray, top: np.ndarray, planted: dict, seed: int) -> list[tuple[int, int, str]]:
    """(seller, skill, kind) of every planted gap but the special reps' trajectories."""
    rng = rng_for(seed, "skill-gaps")
    n = len(s_role)
    special = {planted[k] for k in ("collapse", "resolved", "reset", "low_attainment", "struggling")}
    special |= set(planted["improvers"]) | set(planted["decliners"]) | set(planted["thin_evidence"])
    others = [k for k in range(len(SKILLS)) if k != QUALIFICATION]
    u = rng.random((6, n))
    plan = []
    for s in range(n):
        if not top[s]:
            plan.append((s, QUALIFICATION, "chronic"))
        if top[s] or s in special:
            continue
        # an SDR books meetings and does not negotiate: no negotiation gap is planted on one
        mine = [k for k in others if not (k == NEGOTIATION and s_role[s] == "SDR")]
        first = mine[int(u[1, s] * len(mine))]
        second = mine[int(u[2, s] * len(mine))]
        for k, drawn in ((first, u[3, s] < 0.70), (second, u[4, s] < 0.20)):
            if not drawn or any(p[0] == s and p[1] == k for p in plan):
                continue
            kind = "chronic"
            if k in CALL_SKILLS:
                kind = GAP_KINDS[int(np.searchsorted([0.50, 0.75, 0.90], rng.random(), side="right"))]
            plan.append((s, k, kind))
    plan += [(planted["struggling"], k, "chronic") for k in (DISCOVERY, PRESENTATION, OBJECTION, CLOSING)]
    for s in planted["thin_evidence"]:
        if not top[s]:
            plan.append((s, QUALIFICATION, "chronic"))
        plan.append((s, DISCOVERY, "chronic"))
    return plan


def quality_matrix(top: np.ndarray, planted: dict, s_role: np.ndarray, cal: Calendar, seed: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """Level (0-1) per seller x week x skill, and the gap plan drawn into it. Every call metric
    is a noisy function of its skill's level that week (gong_calls.py, gong_scorecards.py); the
    deals follow the levels of the CRM skills (crm_params)."""
    n, W, K = len(top), cal.n_weeks, len(SKILLS)
    g = rng_for(seed, "skill-levels")
    base = np.where(top[:, None], 0.80 + 0.18 * g.random((n, K)), 0.62 + 0.30 * g.random((n, K)))
    noise = rng.normal(0, 0.03, (n, W))  # the org stream's draw, shared by a seller's skills
    q = np.clip(base[:, None, :] + noise[:, :, None] + g.normal(0, 0.02, (n, W, K)), 0.0, 1.0)
    w = np.arange(W) - (W - 1)  # 0 = week of as_of
    plan = _gap_plan(s_role, top, planted, seed)
    for s, k, kind in plan:
        level = 0.02 + 0.23 * g.random()
        if s == planted["struggling"]:
            level = 0.05  # deep enough to show on a handful of deals too
        weekly = np.clip(level + g.normal(0, 0.02, W), 0.0, 1.0)
        if kind == "chronic":
            q[s, :, k] = weekly
        elif kind == "onset":
            start = -int(g.integers(4, 15))
            fall = np.clip((w - start + 2) / 2.0, 0.0, 1.0)  # two weeks from competent to the gap
            q[s, :, k] = q[s, :, k] + (weekly - q[s, :, k]) * fall
        elif kind == "partial_improver":
            rise = np.clip((w + 10) / 10.0, 0.0, 1.0) * min(0.14, GAP_Q - 0.03 - level)
            q[s, :, k] = weekly + rise
        else:  # recovered
            end = -int(g.integers(3, 9))
            up = np.clip((w - end) / 2.0, 0.0, 1.0)
            q[s, :, k] = weekly + (q[s, :, k] - weekly) * up
    last16 = w >= -16
    frac = np.clip((w + 16) / 16.0, 0.0, 1.0)
    for s in planted["improvers"]:
        lo, target = 0.08 + 0.1 * g.random(), 0.82
        q[s, :, DISCOVERY] = np.where(last16, lo + (target - lo) * frac, lo)
    for s in planted["decliners"]:
        hi, target = q[s, :, DISCOVERY].mean(), 0.08
        q[s, :, DISCOVERY] = np.where(last16, hi + (target - hi) * frac, q[s, :, DISCOVERY])
    s = planted["collapse"]
    q[s, :, DISCOVERY] = np.where(w >= -8, 0.10, np.maximum(q[s, :, DISCOVERY], 0.85))
    s = planted["reset"]
    q[s, :, DISCOVERY] = np.where(w <= -12, 0.08, 0.30)
    s = planted["resolved"]
    d = q[s, :, DISCOVERY]
    q[s, :, DISCOVERY] = np.where((w >= -11) & (w <= -8), 0.10, np.where(w >= -7, 0.94, np.maximum(d, 0.85)))
    return np.clip(q, 0.0, 1.0), plan
