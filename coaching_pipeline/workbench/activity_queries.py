"""The dashboard's activity analysis (workbench contract, "Pages" 1): the rep's activity mix
over the last 30 days, the daily trend, and activities per day against the team and the Top
25%, read from marts.rep_activities of the published file.

Definitions, chosen to match the marts so the dashboard and rep_performance agree:
- the window is the activity_window_days (30) calendar days ending at the published data's
  as_of (marts.publication.as_of; else the latest activity_date of the file, which the dense
  rows put at as_of too);
- the mix counts every day of the window (a Saturday call is a call); the four selling types
  (call, email, meeting, demo) are "activities", social touches, tasks and other rows are
  counted beside them, as rep_activities' activity_count leaves them out;
- per day is the mean activity_count of the seller's Monday-Friday rows in the window, as
  rep_performance.avg_daily_activities_30d; the trend shows those business days, low days
  (rep_activities.is_low_day) in red;
- team and Top 25% are means of their sellers' per-day values (each seller counts once,
  sellers without a row in the window are left out, the rep included), like
  team_avg_daily_30d and top_daily_30d: the team is the rep's team_id and the Top 25% their
  role's is_top_25 group, both of the fiscal quarter holding as_of.

Guardrail (contract: a rep sees team and Top 25% aggregates only): the payload never holds
another seller's id, name or value; for a viewer who may not see names (a rep alone) a group
mean is shown only when at least MIN_PEERS_IN_BENCHMARK other sellers contribute, since with
one the mean minus the rep's own value gives that peer's figure away (the digests' rule).
"""

from __future__ import annotations

import datetime as dt
import functools
import os

from ..config import load_settings
from ..digests import charts
from ..digests.defaults import MIN_PEERS_IN_BENCHMARK
from ..digests.formatting import num
from .access import RepAccess
from .published import has_table, rows

SELLING = (("call", "Calls"), ("email", "Emails"), ("meeting", "Meetings"), ("demo", "Demos"))
BESIDE = (("social", "social touches"), ("task", "tasks"), ("other", "other"))


@functools.cache
def _marts_settings(config_file: str | None):
    return load_settings(config_file).marts


def marts_settings():
    """The marts' window and low-day threshold, read once per settings file."""
    return _marts_settings(os.environ.get("COACHING_CONFIG"))


def read_as_of(cur) -> tuple[dt.date | None, str]:
    """(the end of the window, where it came from): the publication's as_of, else the latest
    activity date of the file."""
    if has_table(cur, "marts", "publication"):
        found = cur.execute("select max(as_of) from marts.publication").fetchone()[0]
        if found is not None:
            return found, "as_of"
    return cur.execute("select max(activity_date) from marts.rep_activities").fetchone()[0], "latest activity"


def mix(days: list[dict]) -> dict:
    """Counts by type over the given rows: the selling types with their share of the selling
    total, and the types beside them."""
    selling = [{"key": key, "label": label, "count": sum(int(d[f"{key}_count"]) for d in days)}
               for key, label in SELLING]
    total = sum(s["count"] for s in selling)
    for s in selling:
        s["share"] = s["count"] / total if total else None
    beside = [{"key": key, "label": label, "count": sum(int(d[f"{key}_count"]) for d in days)}
              for key, label in BESIDE]
    return {"selling": selling, "total": total, "beside": beside}


def per_day(days: list[dict]) -> float | None:
    """Mean activity_count of the business-day rows; None without one."""
    counts = [d["activity_count"] for d in days if d["is_business_day"]]
    return sum(counts) / len(counts) if counts else None


def group_mean(values: dict[str, float | None], members: set[str], rep_id: str, min_peers: int) -> dict:
    """The mean of the members' values (None ones left out) and how many contributed; the
    mean is None when fewer than `min_peers` members other than the rep contribute."""
    known = [v for uid, v in values.items() if uid in members and v is not None]
    others = sum(1 for uid, v in values.items() if uid in members and uid != rep_id and v is not None)
    mean = sum(known) / len(known) if known and others >= min_peers else None
    return {"value": mean, "text": num(mean), "sellers": len(known) if mean is not None else None}


def _quarter_groups(cur, rep_id: str, as_of: dt.date) -> tuple[set[str], set[str]]:
    """(team, Top 25% of the role) of the fiscal quarter holding as_of (else the rep's latest)."""
    mine = rows(cur, """
        select fiscal_quarter, team_id, role from marts.rep_performance where rep_id = ?
        order by (quarter_start <= ? and quarter_end >= ?) desc, quarter_start desc limit 1""",
                [rep_id, as_of, as_of])
    if not mine:
        return {rep_id}, set()
    me = mine[0]
    members = rows(cur, "select rep_id, team_id, role, is_top_25 from marts.rep_performance where fiscal_quarter = ?",
                   [me["fiscal_quarter"]])
    team = {m["rep_id"] for m in members if me["team_id"] is not None and m["team_id"] == me["team_id"]} | {rep_id}
    top = {m["rep_id"] for m in members if m["role"] == me["role"] and m["is_top_25"]}
    return team, top


def _per_day_by_seller(cur, ids: set[str], start: dt.date, end: dt.date) -> dict[str, float | None]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    found = dict(cur.execute(f"""
        select rep_id, avg(activity_count) from marts.rep_activities
        where rep_id in ({marks}) and activity_date between ? and ? and is_business_day
        group by rep_id""", [*sorted(ids), start, end]).fetchall())
    return {uid: found.get(uid) for uid in ids}


def activity(cur, rep_id: str, access: RepAccess) -> dict | None:
    """The activity analysis of one rep (see the module docstring), or None when the file has
    no rep_activities (or no row at all)."""
    if not has_table(cur, "marts", "rep_activities"):
        return None
    as_of, source = read_as_of(cur)
    if as_of is None:
        return None
    cfg = marts_settings()
    start = as_of - dt.timedelta(days=cfg.activity_window_days - 1)
    days = rows(cur, """
        select activity_date, is_business_day, call_count, email_count, meeting_count, demo_count, social_count,
               task_count, other_count, activity_count, is_low_day
        from marts.rep_activities where rep_id = ? and activity_date between ? and ? order by activity_date""",
                [rep_id, start, as_of])
    team, top = _quarter_groups(cur, rep_id, as_of)
    values = _per_day_by_seller(cur, team | top | {rep_id}, start, as_of)
    min_peers = 0 if access.see_names else MIN_PEERS_IN_BENCHMARK
    you = per_day(days)
    team_mean = group_mean(values, team, rep_id, min_peers)
    top_mean = group_mean(values, top, rep_id, min_peers)
    business = [d for d in days if d["is_business_day"]]
    counted = mix(days)
    return {
        "as_of": as_of, "as_of_source": source, "start": start, "window_days": cfg.activity_window_days,
        "mix": counted,
        "per_day": {"you": {"value": you, "text": num(you)}, "team": team_mean, "top": top_mean},
        "trend": [{"date": d["activity_date"], "count": int(d["activity_count"]), "low": bool(d["is_low_day"])}
                  for d in business],
        "low_days": sum(1 for d in business if d["is_low_day"]),
        "low_day_threshold": cfg.low_activity_day_threshold,
        "charts": activity_charts(counted, business, top_mean["value"], cfg.low_activity_day_threshold),
    }


def activity_charts(counted: dict, business: list[dict], top: float | None, threshold: int) -> dict:
    """The digests' charts, as SVG markup for the page (the API leaves them out): the mix (of
    `mix`) and the business-day trend with the Top 25% mean as its reference line."""
    kinds = tuple((s["label"], s["count"]) for s in counted["selling"])
    trend = tuple((d["activity_date"], int(d["activity_count"]), bool(d["is_low_day"])) for d in business)
    mix_chart = charts.activity_mix(kinds, prefix="activity-mix")
    trend_chart = charts.activity_trend(trend, threshold, top, prefix="activity-trend")
    return {"mix": {"svg": mix_chart.svg, "alt": mix_chart.alt},
            "trend": {"svg": trend_chart.svg, "alt": trend_chart.alt}}
