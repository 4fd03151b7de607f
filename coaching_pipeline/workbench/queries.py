"""The workbench's reads of the published file, as plain functions of a cursor, shaped for
the templates and the JSON API alike (so both show the same figures). Access is decided
before these run (access.py); what a rep may not see (pending recommendations, other
sellers' names) is filtered here from the RepAccess passed in, never by the caller's page."""

from __future__ import annotations

from ..digests.charts import PatternMetric, pattern_vs_top
from ..digests.formatting import Trend, money, num, pct
from .access import Org, Person, RepAccess
from .published import has_table, rows

SHOWN_TO_REP = ("approved", "modified")  # coaching_log.approval_status a rep may see


def load_org(cur) -> Org:
    """Every person of the published data: the sellers (marts.sellers), and their managers and
    SLMs by id and name. Emails of managers and SLMs come from marts.users when the publication
    carries it (user_id, user_name, email); otherwise only sellers have one."""
    people: dict[str, Person] = {}
    sellers = rows(cur, "select rep_id, rep_name, email, role, manager_id, manager_name, slm_id, slm_name "
                        "from marts.sellers")
    for s in sellers:
        for key, name in (("manager_id", "manager_name"), ("slm_id", "slm_name")):
            if s[key] and s[key] not in people:
                people[s[key]] = Person(s[key], s[name] or s[key])
    emails = {}
    if has_table(cur, "marts", "users"):
        emails = {u["user_id"]: u["email"] for u in rows(cur, "select user_id, email from marts.users")}
    for uid, p in list(people.items()):
        people[uid] = Person(uid, p.name, emails.get(uid))
    for s in sellers:
        people[s["rep_id"]] = Person(s["rep_id"], s["rep_name"] or s["rep_id"], s["email"] or emails.get(s["rep_id"]),
                                     True, s["manager_id"], s["slm_id"], s["role"])
    return Org(people)


def quarters(cur, rep_id: str) -> list[dict]:
    return rows(cur, "select fiscal_quarter, quarter_start, is_current_quarter from marts.rep_performance "
                     "where rep_id = ? order by quarter_start desc", [rep_id])


def _bar_tone(attainment: float | None) -> str:
    if attainment is None:
        return "none"
    return "green" if attainment >= 1.0 else "yellow" if attainment >= 0.7 else "red"


def _vs(you, team, fmt, lower_is_better=False) -> dict:
    """The rep's value against the team mean: tone good when on the better side."""
    tone = "none"
    if you is not None and team is not None:
        tone = "flat" if you == team else "good" if (you > team) != lower_is_better else "bad"
    return {"you": you, "team": team, "you_text": fmt(you), "team_text": fmt(team), "tone": tone}


def kpis(me: dict) -> dict:
    att = me.get("attainment")
    rank, before = me.get("overall_rank"), me.get("prev_quarter_rank")
    rank_change = None if rank is None or before is None else before - rank  # positive: moved up
    return {
        "attainment": {"value": att, "text": pct(att), "bar_tone": _bar_tone(att),
                       "bar_width": 0 if att is None else max(0, min(100, round(att * 100))),
                       "closed_won": money(me.get("closed_won_amount")), "quota": money(me.get("quota_amount")),
                       "previous": me.get("prev_quarter_attainment"),
                       "change": Trend.of(att, me.get("prev_quarter_attainment"), pct).__dict__},
        "win_rate": _vs(me.get("win_rate"), me.get("team_avg_win_rate"), pct),
        "avg_deal": _vs(me.get("avg_deal_size"), me.get("team_avg_deal_size"), money),
        "sales_cycle": _vs(me.get("avg_sales_cycle_days"), me.get("team_avg_cycle"),
                           lambda x: "n/a" if x is None else f"{num(x, 0)} days", lower_is_better=True),
        "rank": {"rank": rank, "of": me.get("total_reps"), "previous": before, "change": rank_change,
                 "top_25": bool(me.get("is_top_25"))},
    }


DRIVERS = (  # rep_performance column, its Top 25% column, label, unit, lower is better
    ("avg_stakeholders", "top_avg_stakeholders", "Stakeholders per deal", "count", False),
    ("avg_days_to_meeting", "top_avg_days_to_meeting", "Days to first meeting", "days", True),
    ("champion_identification_rate", "top_champion_rate", "Champion identified", "share", False),
    ("economic_buyer_rate", "top_eb_rate", "Economic buyer identified", "share", False),
)


def drivers(me: dict) -> dict:
    metrics = tuple(PatternMetric(label, me.get(col), me.get(top), unit, lower)
                    for col, top, label, unit, lower in DRIVERS)
    chart = pattern_vs_top(metrics, prefix="drivers")  # the digests' chart, as SVG
    return {"rows": [{"label": m.label, "you": m.you, "top": m.top, "unit": m.unit,
                      "lower_is_better": m.lower_is_better} for m in metrics],
            "svg": chart.svg, "alt": chart.alt}


def pipeline(cur, rep_id: str, limit: int = 25) -> list[dict]:
    deals = rows(cur, """
        select opportunity_id, opportunity_name, account_name, amount, close_date, stage_name, health_score,
               health_band, risk_reasons, priority_action_label
        from marts.deal_health_scores where owner_id = ? and not is_closed
        order by health_score, amount desc nulls last limit ?""", [rep_id, limit])
    for d in deals:
        reasons = d.pop("risk_reasons") or []
        d["top_risk"] = reasons[0] if reasons else None
        d["amount_text"] = "no amount" if d["amount"] is None else money(d["amount"])
        d["account_name"] = d["account_name"] or "no account"
    return deals


def next_best_actions(cur, rep_id: str, limit: int = 10) -> list[dict]:
    return rows(cur, """
        select opportunity_id, opportunity_name, account_name, action_type_label, contact_name, action_reason,
               best_time, best_time_zone, rank_for_rep
        from marts.next_best_actions where rep_id = ? order by rank_for_rep limit ?""", [rep_id, limit])


def insights(cur, rep_id: str, access: RepAccess) -> dict:
    """Open focus areas (approved or modified ones; pending ones too for those who decide)
    and strengths (the rep's best skills at the last weekly assessment)."""
    statuses = SHOWN_TO_REP + (("pending_approval",) if access.see_pending else ())
    marks = ",".join("?" * len(statuses))
    focus = rows(cur, f"""
        select coaching_id, pattern_detected, coalesce(approved_action, recommended_action) as action,
               approval_status, weeks_flagged, opened_on, escalated_to_slm
        from coaching.coaching_log
        where rep_id = ? and status = 'open' and approval_status in ({marks})
        order by approval_status = 'pending_approval', weeks_flagged desc, opened_on""", [rep_id, *statuses])
    skills = []
    if has_table(cur, "coaching", "skill_assessment_log"):
        skills = rows(cur, """
            select skill, score, level, gap_detected, trend from coaching.skill_assessment_log
            where rep_id = ? and skill <> 'overall' and assessment_date = (
                select max(assessment_date) from coaching.skill_assessment_log where rep_id = ?)
            order by score desc nulls last""", [rep_id, rep_id])
    strengths = [s for s in skills if s["score"] is not None and not s["gap_detected"]][:2]
    return {"focus_areas": focus, "strengths": strengths, "skills": skills}


def dashboard(cur, rep: Person, access: RepAccess, quarter: str | None = None) -> dict | None:
    """One rep's dashboard for a fiscal quarter (default: the current one, else the latest).
    None when the rep has no performance row in that quarter."""
    available = quarters(cur, rep.user_id)
    if not available:
        return None
    chosen = next((q for q in available if q["fiscal_quarter"] == quarter), None) if quarter else None
    chosen = chosen or next((q for q in available if q["is_current_quarter"]), available[0])
    me = rows(cur, "select * from marts.rep_performance where rep_id = ? and fiscal_quarter = ?",
              [rep.user_id, chosen["fiscal_quarter"]])[0]
    data = {
        "rep": {"rep_id": rep.user_id, "name": rep.name, "role": rep.role},
        "quarter": chosen["fiscal_quarter"], "quarters": [q["fiscal_quarter"] for q in available],
        "window": {"start": me["quarter_start"], "end": me["window_end"],
                   "pace": me.get("quota_pace"), "is_current": me["is_current_quarter"]},
        "kpis": kpis(me), "drivers": drivers(me),
        "pipeline": pipeline(cur, rep.user_id), "next_best_actions": next_best_actions(cur, rep.user_id),
        "insights": insights(cur, rep.user_id, access),
        "may": access.__dict__,
    }
    if access.see_names:
        data["rep"]["manager_name"] = me.get("manager_name")
    return data
