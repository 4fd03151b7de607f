"""The planted signal of the org: each seller's latent skill, the top ~25% of each role and
the behaviour parameters they drive (org.params), the planted reps, and the conversation
quality per seller and week (org.q) that carries their week-over-week trajectories. Drawn
by org.build_org from its generator, in this order: skill and parameters, quality."""

from __future__ import annotations

import numpy as np

from .common import Calendar


def skill_and_params(s_role: np.ndarray, roles: tuple[str, ...],
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict]:
    """Latent skill, the top ~25% of each role, and the behaviour parameters they drive
    (per seller: deals, contact roles, MEDDPICC, activity, win rate, quota)."""
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
        "q_base": np.where(top, 0.82 + 0.16 * r[0], 0.05 + 0.30 * r[0]),
        "p_win": np.where(top, 0.40 + 0.12 * r[1], 0.14 + 0.12 * r[1]),
        "dtm_lo": np.where(top, 3, 15),
        "dtm_hi": np.where(top, 7, 30),
        "daily": np.where(top, 15.5 + 3.5 * r[2], 6.5 + 2.5 * r[2]),  # counted activities / business day
        "p_low": np.where(top, 0.03, 0.12),
        "p_champ": np.where(top, 0.72, 0.15),
        "p_eb": np.where(top, 0.65, 0.12),
        "p_champ_field": np.where(top, 0.40, 0.06),
        "p_eb_field": np.where(top, 0.40, 0.05),
        "p_meddpicc": np.where(top, 0.35, 0.06),
        "p_next_step": np.where(top, 0.55, 0.15),
        "p_slip": np.where(top, 0.15, 0.40),
        "amount_mult": np.where(top, 1.1, 1.0) * (0.9 + 0.2 * r[3]),
        "cycle_mult": np.where(top, 0.85, 1.0),
        "quota_factor": 0.92 + 0.16 * r[4],
    }
    return skill, top, P


def planted_reps(s_role: np.ndarray, top: np.ndarray) -> dict:
    """The planted reps (seller indexes): the four escalation cases, improvers and decliners."""
    n = len(s_role)
    ae = np.flatnonzero(s_role == "AE")
    ae_top = [int(s) for s in ae if top[s]]
    ae_rest = [int(s) for s in ae if not top[s]]
    planted = {
        "collapse": ae_top[0],  # (a) questions collapse below target and stay there
        "resolved": ae_top[1],  # (c) flagged a few weeks, then recovers above target
        "reset": ae_rest[0],  # (b) flagged 2 weeks, then improves >10% but stays below target
        "low_attainment": ae_rest[1],  # (d) far below 50% attainment in the current quarter
    }
    used = set(planted.values())
    k_trend = max(2, round(0.04 * n))

    def spread(pool: list[int]) -> list[int]:
        """k_trend reps taken round-robin across roles (AM, CSM, SDR, AE)."""
        by_role = {r: [s for s in pool if s_role[s] == r] for r in ("AM", "CSM", "SDR", "AE")}
        chosen: list[int] = []
        while len(chosen) < k_trend and any(by_role.values()):
            for r in ("AM", "CSM", "SDR", "AE"):
                if by_role[r] and len(chosen) < k_trend:
                    chosen.append(by_role[r].pop(0))
        return chosen

    planted["improvers"] = spread([s for s in range(n) if not top[s] and s not in used])
    planted["decliners"] = spread([s for s in range(n) if top[s] and s not in used])
    return planted


def quality_matrix(q_base: np.ndarray, planted: dict, cal: Calendar, rng: np.random.Generator) -> np.ndarray:
    """Conversation quality (0 bad - 1 excellent) per seller and week of the span. Every call
    metric (questions, talk ratio, monologue, patience, customer story, scorecard answers,
    next-steps tracker) is a noisy function of it. The last 16 weeks carry the planted
    trajectories, indexed by w = weeks before the week containing as_of (0 = that week)."""
    n, W = len(q_base), cal.n_weeks
    q = np.clip(q_base[:, None] + rng.normal(0, 0.03, (n, W)), 0.0, 1.0)
    w = np.arange(W) - (W - 1)  # 0 = week of as_of
    last16 = w >= -16
    frac = np.clip((w + 16) / 16.0, 0.0, 1.0)
    for s in planted["improvers"]:
        target = min(q_base[s] + 0.45, 0.85)
        q[s, last16] = q_base[s] + (target - q_base[s]) * frac[last16]
    for s in planted["decliners"]:
        target = max(q_base[s] - 0.45, 0.15)
        q[s, last16] = q_base[s] + (target - q_base[s]) * frac[last16]
    s = planted["collapse"]
    q[s] = np.where(w >= -8, 0.10, np.maximum(q[s], 0.85))
    s = planted["reset"]
    q[s] = np.where(w <= -12, 0.08, 0.50)
    s = planted["resolved"]
    q[s] = np.where((w >= -11) & (w <= -8), 0.10, np.where(w >= -7, 0.94, np.maximum(q[s], 0.85)))
    return q
