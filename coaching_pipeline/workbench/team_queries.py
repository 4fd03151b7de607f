"""The team view's rules and reads (workbench contract, "Pages" 3), as plain functions: who
the page covers (`scope_for`, from the org alone), then the figures of those sellers read from
the published file (`team_view`, a function of a cursor), shaped for the template and the API
alike, and the charts of those figures (`team_charts`, the digests' chart code).

Why the team is "the sellers whose names the viewer may see" (access.rep_access see_names):
the page shows individual names and figures, which a rep alone may never see of a peer; a
manager who also sells sees their reports, not themselves. What the figures mean:
- the quarter is the current fiscal quarter (rep_performance.is_current_quarter);
- "this month" is the calendar month of the publication's as_of (marts.publication), else of
  the latest daily flag: the flags and escalations listed are those dated in it;
- the risk quadrant's x is attainment / quota_pace (a ratio, not attainment - pace: 40% at
  half the quarter is as far behind as 80% at its end, and a difference would call the
  first one 10 points behind and the second 20), 1.0 = exactly on pace; its y is the mean
  health_score of the seller's open deals; "weak pipeline" below HEALTHY_PIPELINE_MIN.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from ..coaching.components import SKILL_LABELS, SKILL_ORDER
from ..coaching.role_catalogue import pattern_subject
from ..digests import charts, defaults
from ..digests.escalations import ESCALATED_TO, RULE_LABELS, rule_label
from ..digests.formatting import Month, day_text, money, num, pct
from .access import Org, Person, Viewer, rep_access
from .published import has_column, has_table, rows
from .role_queries import team_roles

# The health band boundary between red and yellow (deal_health_scores.health_band): below it
# the seller's average open deal is red. On the sample data the median seller's mean is ~35.
HEALTHY_PIPELINE_MIN = 50
# Rows listed per table (flags, escalations), newest first; the rest are counted (the SLM view
# lists every escalation). At-risk deals follow the manager digest's limit (largest first).
MAX_LISTED = 15
MAX_AT_RISK = defaults.MAX_AT_RISK_DEALS
LEVELS = (*charts.LEVEL_COLORS, "no data")
QUADRANTS = {  # key: (label, pace side, pipeline side)
    "behind_weak": "behind pace, weak pipeline",
    "behind_healthy": "behind pace, healthy pipeline",
    "on_weak": "on pace, weak pipeline",
    "on_healthy": "on pace, healthy pipeline",
}


class NotYours(Exception):
    """The viewer may not open the team view, or not the team asked for (the reason)."""


@dataclass(frozen=True)
class TeamScope:
    kind: str                         # everyone | org | team | manager (narrowed)
    label: str
    sellers: tuple[Person, ...]       # the sellers the page covers, by name
    managers: tuple[Person, ...]      # the managers of the viewer's whole team: the narrowing choices
    manager: Person | None = None     # the manager narrowed to


def may_open_team(viewer: Viewer) -> bool:
    return "admin" in viewer.roles or bool(viewer.user_id and viewer.roles & {"manager", "slm"})


def team_of(viewer: Viewer, org: Org) -> list[Person]:
    """Every seller whose name and figures the viewer may see: a manager's direct reports, the
    whole org under an SLM, everyone for an admin; never a rep's peers, nor the viewer's own row."""
    return [s for s in org.sellers() if rep_access(viewer, org, s.user_id).see_names]


def scope_for(viewer: Viewer, org: Org, manager_id: str | None = None) -> TeamScope:
    """The sellers of the page. `manager_id` (from the URL, so only a name for something)
    narrows to that manager's direct reports, allowed only when every one of them is in the
    viewer's team; anything else raises NotYours, as does a viewer who leads no one."""
    if not may_open_team(viewer):
        raise NotYours("the team view is for managers, second-line managers and admins")
    team = team_of(viewer, org)
    ids = {s.user_id for s in team}
    manager_ids = sorted({s.manager_id for s in team if s.manager_id})
    managers = tuple(sorted((org.people.get(m) or Person(m, m) for m in manager_ids), key=lambda p: (p.name, p.user_id)))
    if manager_id:
        reports = [s for s in org.sellers() if s.manager_id == manager_id]
        if not reports or any(s.user_id not in ids for s in reports):
            raise NotYours("not a manager whose team you may see")
        boss = org.people.get(manager_id) or Person(manager_id, manager_id)
        return TeamScope("manager", f"{boss.name}'s team", tuple(reports), managers, boss)
    if "admin" in viewer.roles:
        return TeamScope("everyone", "Everyone (read only)", tuple(team), managers)
    if "slm" in viewer.roles:
        return TeamScope("org", "The org under you", tuple(team), managers)
    return TeamScope("team", "Your direct reports", tuple(team), managers)


# --------------------------------------------------------------------------------------
# pure rules


def pace_ratio(attainment: float | None, pace: float | None) -> float | None:
    """Attainment relative to quota pace (1.0 = on pace); None without either, or at a pace of 0."""
    if attainment is None or pace is None or pace <= 0:
        return None
    return attainment / pace


def place(ratio: float | None, mean_health: float | None, open_deals: int) -> dict:
    """The seller's quadrant, or why they are not placed."""
    if ratio is None:
        return {"quadrant": None, "quadrant_label": "not placed: no quota this quarter"}
    if not open_deals or mean_health is None:
        return {"quadrant": None, "quadrant_label": "not placed: no open deals"}
    key = ("on" if ratio >= 1.0 else "behind") + ("_healthy" if mean_health >= HEALTHY_PIPELINE_MIN else "_weak")
    return {"quadrant": key, "quadrant_label": QUADRANTS[key]}


def attainment_buckets(attainments: list[float | None]) -> list[dict]:
    """Sellers per attainment band (the manager digest's bands), then those without a quota."""
    bands = defaults.ATTAINMENT_BANDS
    out = []
    for i, (low, label) in enumerate(bands):
        high = bands[i + 1][0] if i + 1 < len(bands) else math.inf
        out.append({"label": label, "count": sum(1 for a in attainments if a is not None and low <= a < high)})
    out.append({"label": "no quota", "count": sum(1 for a in attainments if a is None)})
    return out


def skill_rows(latest: dict[str, dict[str, dict]], rep_ids: list[str]) -> list[dict]:
    """For each skill (then the overall), how many of the sellers are at each level at their
    latest assessment; a seller not assessed, or without a score, counts as "no data"."""
    out = []
    for skill in SKILL_ORDER:
        counts = dict.fromkeys(LEVELS, 0)
        for rep_id in rep_ids:
            level = (latest.get(rep_id, {}).get(skill) or {}).get("level")
            counts[level if level in counts else "no data"] += 1
        out.append({"skill": skill, "label": SKILL_LABELS[skill], "counts": counts})
    return out


def report_month(as_of: dt.date | None, latest_flag: dt.date | None) -> dict | None:
    day = as_of or latest_flag
    if day is None:
        return None
    m = Month.of(day)
    return {"key": m.key, "label": m.label, "start": m.start, "end": m.end,
            "source": "as_of" if as_of else "latest daily flag"}


# --------------------------------------------------------------------------------------
# reads


def _marks(ids: list[str]) -> str:
    return ",".join("?" * len(ids))


def read_as_of(cur) -> dt.date | None:
    if not has_table(cur, "marts", "publication") or not has_column(cur, "marts", "publication", "as_of"):
        return None
    return cur.execute("select max(as_of) from marts.publication").fetchone()[0]


def read_latest_flag(cur) -> dt.date | None:
    if not has_table(cur, "coaching", "daily_flags"):
        return None
    return cur.execute("select max(flag_date) from coaching.daily_flags").fetchone()[0]


def read_quarter(cur) -> dict | None:
    found = rows(cur, "select fiscal_quarter, quarter_start, quarter_end, max(window_end) as window_end, "
                      "max(quota_pace) as pace from marts.rep_performance where is_current_quarter "
                      "group by all order by quarter_start desc limit 1")
    return found[0] if found else None


def read_performance(cur, ids: list[str]) -> dict[str, dict]:
    return {r["rep_id"]: r for r in rows(cur, f"""
        select rep_id, attainment, quota_pace, quota_amount, closed_won_amount from marts.rep_performance
        where is_current_quarter and rep_id in ({_marks(ids)})""", ids)}


def read_health(cur, ids: list[str]) -> dict[str, dict]:
    """Per seller: open deals, and the mean health score of those with one."""
    return {r["owner_id"]: r for r in rows(cur, f"""
        select owner_id, count(*) as open_deals, avg(health_score) as mean_health
        from marts.deal_health_scores where not is_closed and owner_id in ({_marks(ids)})
        group by owner_id""", ids)}


def read_latest_skills(cur, ids: list[str]) -> dict[str, dict[str, dict]] | None:
    """Each seller's rows of their latest weekly assessment; None without the log."""
    if not has_table(cur, "coaching", "skill_assessment_log"):
        return None
    out: dict[str, dict[str, dict]] = {}
    for r in rows(cur, f"""
            select rep_id, assessment_date, skill, score, level from coaching.skill_assessment_log
            where rep_id in ({_marks(ids)})
            qualify assessment_date = max(assessment_date) over (partition by rep_id)""", ids):
        out.setdefault(r["rep_id"], {})[r["skill"]] = r
    return out


def read_flags(cur, ids: list[str], month: dict) -> list[dict]:
    return rows(cur, f"""
        select flag_id, rep_id, rule, flag_date, detail, opportunity_id from coaching.daily_flags
        where rep_id in ({_marks(ids)}) and flag_date between ? and ?
        order by flag_date desc, rep_id, rule, flag_id""", [*ids, month["start"], month["end"]])


def read_escalations(cur, ids: list[str], month: dict) -> list[dict]:
    return rows(cur, f"""
        select escalation_id, rep_id, rule, pattern_key, escalated_to, escalation_date, reason
        from coaching.escalations
        where rep_id in ({_marks(ids)}) and escalation_date between ? and ?
        order by escalation_date desc, rep_id, rule, escalation_id""", [*ids, month["start"], month["end"]])


def read_at_risk(cur, ids: list[str]) -> list[dict]:
    """The sellers' at-risk deals (deal_health_scores.is_at_risk: open, red, not more than 90
    days past due), largest first; a file published before that column: the open red ones."""
    risky = "is_at_risk" if has_column(cur, "marts", "deal_health_scores", "is_at_risk") else (
        "not is_closed and health_band = 'red'")
    return rows(cur, f"""
        select opportunity_id, opportunity_name, account_name, owner_id, amount, close_date, stage_name,
               health_score, health_band, risk_reasons
        from marts.deal_health_scores where owner_id in ({_marks(ids)}) and {risky}
        order by amount desc nulls last, opportunity_id""", ids)


# --------------------------------------------------------------------------------------
# the page's data


def _name(org: Org, user_id: str | None) -> str:
    return org.people[user_id].name if user_id in org.people else (user_id or "n/a")


def _subject(pattern_key: str | None) -> str:
    return pattern_subject(pattern_key) or "n/a"


def seller_rows(team: tuple[Person, ...], perf: dict[str, dict], health: dict[str, dict]) -> list[dict]:
    """One row per seller, by name (a roster, not a leaderboard); placed sellers are numbered
    in that order, the number their dot carries in the quadrant chart."""
    out, number = [], 0
    for s in team:
        p, h = perf.get(s.user_id, {}), health.get(s.user_id, {})
        att, pace = p.get("attainment"), p.get("quota_pace")
        ratio = pace_ratio(att, pace)
        mean, deals = h.get("mean_health"), h.get("open_deals", 0)
        spot = place(ratio, mean, deals)
        number += spot["quadrant"] is not None
        out.append({
            "rep_id": s.user_id, "name": s.name, "manager_id": s.manager_id, "role": s.role,
            "attainment": att, "attainment_text": pct(att), "pace": pace,
            "closed_won": p.get("closed_won_amount"), "closed_won_text": money(p.get("closed_won_amount")),
            "quota": p.get("quota_amount"), "quota_text": money(p.get("quota_amount")),
            "pace_ratio": ratio, "pace_ratio_text": pct(ratio), "open_deals": deals,
            "mean_health": mean, "mean_health_text": num(mean, 0), **spot,
            "number": number if spot["quadrant"] else None,
        })
    return out


def _summary(sellers: list[dict], at_risk: dict, flags: dict, escalations: dict) -> dict:
    """Team attainment is won over quota summed over the sellers with a quota (Decimal sums)."""
    quota = [s for s in sellers if s["quota"]]
    won = sum((s["closed_won"] or Decimal(0) for s in quota), Decimal(0))
    total = sum((s["quota"] for s in quota), Decimal(0))
    attainment = float(won / total) if total else None
    return {"sellers": len(sellers), "attainment": attainment, "attainment_text": pct(attainment),
            "won_text": money(won), "quota_text": money(total), "with_quota": len(quota),
            "behind_pace": sum(1 for s in sellers if s["pace_ratio"] is not None and s["pace_ratio"] < 1.0),
            "with_pace": sum(1 for s in sellers if s["pace_ratio"] is not None),
            "at_risk": at_risk["count"], "at_risk_amount_text": at_risk["amount_text"],
            "flags": flags["count"], "escalations": escalations["count"]}


def _in_month(cur, table: str, read, ids: list[str], month: dict | None, shape, limit: int = MAX_LISTED) -> dict:
    """The month's rows of a coaching table (the first `limit`, shaped, and their count);
    available False when the table is not published (an older file, or no run wrote it yet)."""
    if not has_table(cur, "coaching", table):
        return {"available": False, "rows": [], "count": 0, "more": 0}
    found = read(cur, ids, month) if ids and month else []
    return {"available": True, "rows": [shape(r) for r in found[:limit]], "count": len(found),
            "more": max(0, len(found) - limit)}


def _flag_row(org: Org, f: dict) -> dict:
    return {**f, "rep_name": _name(org, f["rep_id"]), "date_text": day_text(f["flag_date"]),
            "rule_label": RULE_LABELS.get(f["rule"], f["rule"])}


def _escalation_row(org: Org, e: dict) -> dict:
    return {**e, "rep_name": _name(org, e["rep_id"]), "subject": _subject(e["pattern_key"]),
            "date_text": day_text(e["escalation_date"]), "rule_label": rule_label(e["rule"], e.get("pattern_key")),
            "to": ESCALATED_TO.get(e["escalated_to"], e["escalated_to"])}


def _at_risk(org: Org, risky: list[dict]) -> dict:
    """The first MAX_AT_RISK deals as printed, with the count and the total of all (exact)."""
    amount = sum((d["amount"] for d in risky if d["amount"] is not None), Decimal(0))
    deals = [{**d, "rep_name": _name(org, d["owner_id"]), "close_text": day_text(d["close_date"]),
              "amount_text": "no amount" if d["amount"] is None else money(d["amount"]),
              "account_name": d["account_name"] or "no account", "top_risk": (d["risk_reasons"] or [None])[0]}
             for d in risky[:MAX_AT_RISK]]
    return {"count": len(risky), "amount": amount, "amount_text": money(amount), "deals": deals,
            "more": max(0, len(risky) - MAX_AT_RISK)}


def team_view(cur, org: Org, scope: TeamScope) -> dict:
    """Everything the page and the API show of the scope's sellers (no markup)."""
    ids = [s.user_id for s in scope.sellers]
    as_of = read_as_of(cur)
    month = report_month(as_of, read_latest_flag(cur))
    quarter = read_quarter(cur)
    sellers = seller_rows(scope.sellers, read_performance(cur, ids) if ids else {},
                          read_health(cur, ids) if ids else {})
    skills = read_latest_skills(cur, ids) if ids else {}
    dates = sorted({r["assessment_date"] for by_skill in (skills or {}).values() for r in by_skill.values()})
    flags = _in_month(cur, "daily_flags", read_flags, ids, month, lambda f: _flag_row(org, f))
    escalations = _in_month(cur, "escalations", read_escalations, ids, month, lambda e: _escalation_row(org, e))
    at_risk = _at_risk(org, read_at_risk(cur, ids) if ids else [])
    return {
        "scope": {"kind": scope.kind, "label": scope.label,
                  "manager": {"user_id": scope.manager.user_id, "name": scope.manager.name} if scope.manager else None,
                  "managers": [{"user_id": m.user_id, "name": m.name} for m in scope.managers]},
        "as_of": as_of, "month": month,
        "quarter": None if quarter is None else {
            **quarter, "pace_text": pct(quarter["pace"]), "start_text": day_text(quarter["quarter_start"]),
            "window_end_text": day_text(quarter["window_end"])},
        "sellers": sellers,
        "attainment": {"buckets": attainment_buckets([s["attainment"] for s in sellers])},
        "skills": {"available": skills is not None, "levels": list(LEVELS), "rows": skill_rows(skills or {}, ids),
                   "assessed": len(skills or {}), "latest_date": dates[-1] if dates else None,
                   "earliest_date": dates[0] if dates else None},
        "quadrant": {"healthy_min": HEALTHY_PIPELINE_MIN, "labels": QUADRANTS,
                     "counts": {k: sum(1 for s in sellers if s["quadrant"] == k) for k in QUADRANTS},
                     "not_placed": sum(1 for s in sellers if s["quadrant"] is None)},
        "flags": flags, "escalations": escalations, "at_risk": at_risk,
        "summary": _summary(sellers, at_risk, flags, escalations),
        "roles": team_roles(cur, scope.sellers, as_of),  # the roll-up per role (role_queries)
    }


def team_charts(data: dict) -> dict:
    """The page's SVG charts of `data` (the digests' chart functions; the API leaves them out)."""
    skills = tuple((r["label"], tuple((lv, r["counts"][lv]) for lv in LEVELS)) for r in data["skills"]["rows"])
    points = tuple((str(s["number"]), s["pace_ratio"], s["mean_health"]) for s in data["sellers"] if s["number"])
    return {
        "attainment": charts.attainment_distribution(
            tuple((b["label"], b["count"]) for b in data["attainment"]["buckets"]), prefix="team-attainment"),
        "skills": charts.team_distribution(skills, len(data["sellers"]), prefix="team-skills"),
        "quadrant": charts.risk_quadrant(points, HEALTHY_PIPELINE_MIN, prefix="team-quadrant") if points else None,
        "level_colors": [(lv, charts.LEVEL_COLORS.get(lv, charts.NO_DATA)) for lv in LEVELS],
    }
