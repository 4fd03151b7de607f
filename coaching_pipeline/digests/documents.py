"""The documents of a month (coaching contract, "Monthly digests"): the manager digest and
the SLM notice, built from the month's rows (month_data.MonthData), the rep digest
(rep_digest.py), and `gather`, every document's content for a month. Pure data: every
number is formatted once (formatting.py) for the HTML and the Markdown documents; templates
only lay it out and escape it (render.py).

`manager_digest(data, manager_id)` and `slm_notice(data, slm_id)` build one document on
their own, like `rep_digest(data, rep_id)`, from `read_month(con, month)`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
from dataclasses import dataclass, field

import duckdb

from ..coaching import signal
from ..coaching.components import BY_NAME, SKILL_LABELS
from ..coaching.role_catalogue import flagged_text, pattern_subject
from ..config import SKILLS, CoachingSettings, Settings
from . import defaults, hygiene
from .escalations import RULE_LABELS
from .formatting import Month, day_text, deal_texts, money, num, safe_url
from .month_data import MonthData, read_month
from .rep_digest import SKILL_ROWS, RepDigest, rep_digest
from .role_sections import team_rollup

COMPONENT_LABELS = {name: c.label for name, c in BY_NAME.items()}


@dataclass
class ManagerDigest:
    month: Month
    as_of: dt.date
    manager: dict
    team: dict
    pending: list[dict]
    escalations: list[dict]
    flags: list[dict]
    at_risk: dict
    hygiene: dict = field(default_factory=dict)  # open deals more than 90 days past due (hygiene.py)
    queued: int = 0  # recommendations waiting for a free focus-area slot (coaching/signal.py)
    roles: dict = field(default_factory=dict)  # the team's roll-up per role (role_sections.team_rollup)


@dataclass
class SlmNotice:
    month: Month
    as_of: dt.date
    slm: dict
    summary: list[dict]
    escalations: list[dict]
    process_gaps: list[dict] = field(default_factory=list)  # org-wide skill gaps, reported once here


@dataclass
class MonthContent:
    month: Month
    as_of: dt.date
    reps: list[RepDigest]
    managers: list[ManagerDigest]
    slms: list[SlmNotice]
    currency: str = "USD"  # the corporate currency every amount is in (int_corporate_currency)


def _team_summary(data: MonthData, team_ids: list[str]) -> dict:
    """The team's skill levels, attainment bands and assessment figures."""
    dist_rows = []
    for skill in SKILL_ROWS:
        counts: dict[str, int] = {}
        for rep_id in team_ids:
            r = data.skills.get(rep_id, {}).get(skill)
            key = r["level"] if r and r.get("level") else "no data"
            counts[key] = counts.get(key, 0) + 1
        dist_rows.append((SKILL_LABELS[skill], counts))
    overall = sorted(data.skills[r]["overall"]["score"] for r in team_ids
                     if data.skills.get(r, {}).get("overall", {}).get("score") is not None)
    attainments = [data.perf_by_rep.get(r, {}).get("attainment") for r in team_ids]
    buckets = []
    for i, (low, label) in enumerate(defaults.ATTAINMENT_BANDS):
        high = defaults.ATTAINMENT_BANDS[i + 1][0] if i + 1 < len(defaults.ATTAINMENT_BANDS) else math.inf
        buckets.append((label, sum(1 for a in attainments if a is not None and low <= a < high)))
    buckets.append(("no quota", sum(1 for a in attainments if a is None)))
    gaps = sum(1 for r in team_ids for s in SKILLS if (data.skills.get(r, {}).get(s) or {}).get("gap_detected"))
    return {
        "size": len(team_ids), "distribution": dist_rows, "attainment_buckets": buckets,
        "median_overall": num(statistics.median(overall), 0) if overall else "n/a",
        "assessed": len(overall), "gaps": gaps, "assessment_date": day_text(data.assess_date),
        "quarter": (data.perf_by_rep.get(team_ids[0]) or {}).get("fiscal_quarter") if team_ids else None,
    }


def _pending(data: MonthData, manager_id: str) -> list[dict]:
    """The recommendations waiting for the manager's decision, opened by the month's end, most
    severe and persistent first (signal.priority), each with its evidence in words."""
    rows = [p for p in data.pending.get(manager_id, []) if p["opened_on"] <= data.month.end]
    rows.sort(key=lambda p: signal.priority(p.get("latest_score"), p["weeks_flagged"], p["opened_on"],
                                            p["coaching_id"], data.cfg.coaching))
    return [
        {**p, "rep_name": data.name(p["rep_id"]), "opened": day_text(p["opened_on"]),
         "skill": pattern_subject(p["pattern_key"]) or p["pattern_key"],
         "flagged": flagged_text(p["pattern_key"], p["weeks_flagged"]),
         "evidence": _evidence_text(p, data.cfg.coaching), "examples": examples_of(p)}
        for p in rows
    ]


def examples_of(p: dict) -> list[dict]:
    """Up to three example calls (with their Gong links) or deals of a recommendation, as the
    coaching log recorded them (coaching/examples.py, example_deals.py)."""
    out = []
    for column, kind in (("example_calls", "call"), ("example_deals", "deal")):
        try:
            items = json.loads(p.get(column) or "[]")
        except ValueError:
            items = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            out.append({"title": item.get("title") or item.get("opportunity_name") or f"Unnamed {kind}",
                        "url": safe_url(item.get("url")),
                        "date": item.get("call_date") or item.get("close_date"), "detail": item.get("detail")})
    return out[:3]


def _evidence_text(p: dict, cfg: CoachingSettings) -> str | None:
    """'below 63.6, the role's 35th percentile this week; 8 samples' (None when unrecorded, and
    for a role metric, whose pattern text already says its value, sample and median)."""
    if (p.get("pattern_key") or "").startswith("metric:"):
        return None
    parts = []
    if p.get("benchmark_value") is not None:
        parts.append(f"below {num(p['benchmark_value'])}, the {p.get('role') or 'role'} cohort's "
                     f"{signal.ordinal(cfg.cohort_gap_percentile)} percentile")
    if p.get("sample_size") is not None:
        parts.append(f"{p['sample_size']} sample{'s' if p['sample_size'] != 1 else ''} behind it")
    return "; ".join(parts) or None


def _flags(data: MonthData, manager_id: str) -> list[dict]:
    return [{**f, "rep_name": data.name(f["rep_id"]), "date": day_text(f["flag_date"]),
             "rule_label": RULE_LABELS.get(f["rule"], f["rule"])} for f in data.flags.get(manager_id, [])]


def _at_risk(data: MonthData, team_ids: list[str]) -> dict:
    """The team's at-risk deals, largest first (no amount last), then by id."""
    deals = sorted((d for rep_id in team_ids for d in data.red_deals.get(rep_id, [])),
                   key=lambda d: (d["amount"] is None, -(d["amount"] or 0), d["opportunity_id"]))
    rows = [{**d, **deal_texts(d), "rep_name": data.name(d["owner_id"]),
             "close_text": day_text(d["close_date"]), "health_text": num(d["health_score"], 0),
             "reason": (d["risk_reasons"] or ["n/a"])[0] if isinstance(d["risk_reasons"], list)
             else str(d["risk_reasons"] or "n/a")} for d in deals]
    return {"deals": rows[: defaults.MAX_AT_RISK_DEALS], "count": len(rows),
            "amount": money(sum(d["amount"] or 0 for d in rows)),
            "more": max(0, len(rows) - defaults.MAX_AT_RISK_DEALS)}


def manager_digest(data: MonthData, manager_id: str) -> ManagerDigest:
    """The manager digest of `manager_id` (their team: the sellers reporting to them) for the
    month of `data`, without rendering it."""
    team_ids = [u["user_id"] for u in data.teams.get(manager_id, [])]
    return ManagerDigest(
        month=data.month, as_of=data.as_of, manager=data.person(manager_id),
        team=_team_summary(data, team_ids),
        pending=_pending(data, manager_id),
        queued=data.queued.get(manager_id, 0),
        escalations=data.escalations_by_manager.get(manager_id, []),
        flags=_flags(data, manager_id),
        at_risk=_at_risk(data, team_ids),
        hygiene=hygiene.team_list(data.stale_deals, team_ids, data.name, data.cfg),
        roles=team_rollup([{"rep_id": u["user_id"], "name": data.name(u["user_id"]), "role": u["role"]}
                           for u in data.teams.get(manager_id, [])], data.role_by_rep, data.cfg, data.month.label),
    )


def slm_escalations(data: MonthData) -> dict[str, list[dict]]:
    """The month's escalations that went to a second-line manager, by SLM id."""
    by_slm: dict[str, list[dict]] = {}
    for e in data.escalations:
        if e["escalated_to"] in ("slm", "manager_and_slm") and e["slm_id"] is not None:
            by_slm.setdefault(e["slm_id"], []).append(e)
    return by_slm


def slm_notice(data: MonthData, slm_id: str, escalations: list[dict] | None = None) -> SlmNotice:
    """The SLM notice of `slm_id` for the month of `data` (`escalations`: theirs, from
    slm_escalations, read from `data` when not given), without rendering it."""
    if escalations is None:
        escalations = slm_escalations(data).get(slm_id, [])
    summary: dict[str, dict] = {}
    for e in escalations:
        s = summary.setdefault(e["rep_id"], {"rep_name": e["rep_name"], "manager_name": e["manager_name"],
                                             "count": 0, "subjects": []})
        s["count"] += 1
        if e["subject"] not in s["subjects"]:
            s["subjects"].append(e["subject"])
    rows = sorted(summary.values(), key=lambda s: (-s["count"], s["rep_name"]))
    for s in rows:
        s["subjects_text"] = ", ".join(s["subjects"])
    gaps = [{**g, "skill_label": SKILL_LABELS.get(g["skill"], g["skill"]), "date": day_text(g["assessment_date"]),
             "share": f"{g['sellers_with_gap']} of {g['scored_sellers']}", "median": num(g["median_score"]),
             "component": COMPONENT_LABELS.get(g["common_weakest_component"]) or g["common_weakest_component"]}
            for g in data.process_gaps]
    return SlmNotice(month=data.month, as_of=data.as_of, slm=data.person(slm_id), summary=rows, escalations=escalations,
                     process_gaps=gaps)


def gather(con: duckdb.DuckDBPyConnection, month: Month, config: Settings | None = None) -> MonthContent:
    """Every document's content for `month`, from the warehouse behind `con`."""
    data = read_month(con, month, config)
    reps = [rep_digest(data, s["user_id"]) for s in data.sellers]
    managers = [manager_digest(data, m) for m in sorted(data.teams, key=lambda m: (data.name(m).lower(), m))]
    by_slm = slm_escalations(data)
    slms = [slm_notice(data, s, by_slm[s]) for s in sorted(by_slm, key=lambda s: (data.name(s).lower(), s))]
    return MonthContent(month=month, as_of=data.as_of, reps=reps, managers=managers, slms=slms, currency=data.currency)
