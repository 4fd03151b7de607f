"""The workbench's reads of the published file, as plain functions of a cursor, shaped for
the templates and the JSON API alike (so both show the same figures). Access is decided
before these run (access.py); what a rep may not see (pending recommendations, other
sellers' names) is filtered here from the RepAccess passed in, never by the caller's page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from ..coaching.scoring import may_be_strength
from ..config import settings
from ..db import utc_now
from ..digests.charts import PatternMetric, pattern_vs_top
from ..digests.formatting import Trend, money, num, pct
from .access import Org, Person, RepAccess
from .activity_queries import activity
from .inbox_queries import _unapplied_of
from .published import has_column, has_table, rows
from .role_queries import rep_roles
from .store.models import ActionOutcome
from .store.requests import hidden_actions

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


def rep_zone(cur, rep_id: str) -> ZoneInfo:
    """The seller's time zone (marts.sellers.time_zone, the zone their activity days and best
    times are in); UTC when the file does not say or names a zone this machine does not know."""
    name = None
    if has_column(cur, "marts", "sellers", "time_zone"):
        found = cur.execute("select time_zone from marts.sellers where rep_id = ?", [rep_id]).fetchone()
        name = found[0] if found else None
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_date(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The calendar date of a naive UTC timestamp (as the store and the warehouse keep them) in `zone`."""
    return moment.replace(tzinfo=dt.UTC).astimezone(zone).date()


def rep_today(cur, rep_id: str, now: dt.datetime | None = None) -> dt.date:
    """A rep's today: the date on the rep's own calendar (rep_zone), the day a deferral is
    checked against and comes back on. Why not the server's UTC date: a deferral "until
    Thursday" is a date in the rep's week, their activity days and best times are local too,
    and UTC's date turns over mid-afternoon for a rep in the Americas (tomorrow would be
    refused as "not after today" all evening)."""
    return local_date(now or utc_now(), rep_zone(cur, rep_id))


def hidden_outcomes(store, rep_id: str, today: dt.date) -> dict[str, ActionOutcome]:
    """The outcomes in force that hide the rep's actions today, by opportunity id; the rule
    (done, or deferred to a date after today) is the store's own (requests.hidden_actions)."""
    if store is None:
        return {}
    hidden = hidden_actions(store, rep_id, today)
    if not hidden:
        return {}
    with store.sessions() as session:
        found = session.scalars(select(ActionOutcome).where(
            ActionOutcome.rep_id == rep_id, ActionOutcome.undone_at.is_(None),
            ActionOutcome.opportunity_id.in_(sorted(hidden))).order_by(ActionOutcome.id)).all()
    return {o.opportunity_id: o for o in found}  # the latest in force last, so it wins


NBA_COLUMNS = ("opportunity_id, opportunity_name, account_name, action_type_label, contact_name, action_reason, "
               "best_time, best_time_zone, rank_for_rep")


def next_best_actions(cur, rep_id: str, hidden: dict[str, ActionOutcome] | None = None, limit: int = 10) -> dict:
    """The rep's first actions not hidden (done or deferred, per the store: they leave the list
    at once and the next ones move up), and the hidden ones of the mart with their outcome."""
    hidden = hidden or {}
    marks = ",".join("?" * len(hidden))
    shown = rows(cur, f"select {NBA_COLUMNS} from marts.next_best_actions where rep_id = ? "
                      + (f"and opportunity_id not in ({marks}) " if hidden else "")
                      + "order by rank_for_rep limit ?", [rep_id, *hidden, limit])
    held = rows(cur, f"select {NBA_COLUMNS} from marts.next_best_actions where rep_id = ? "
                     f"and opportunity_id in ({marks}) order by rank_for_rep", [rep_id, *hidden]) if hidden else []
    for a in held:
        o = hidden[a["opportunity_id"]]
        a["outcome"] = {"outcome_id": o.id, "outcome": o.outcome, "deferred_until": o.deferred_until,
                        "reason": o.reason, "decided_at": o.decided_at}
    return {"shown": shown, "hidden": held}


def _decision_marks(store, events: list[dict]) -> dict[str, dict]:
    """coaching_id -> the store's decision on it not applied yet (inbox_queries' read)."""
    if store is None:
        return {}
    found = _unapplied_of(store, [e["coaching_id"] for e in events])
    return {cid: {"decision": d.decision, "action_text": d.action_text, "decided_by": d.decided_by,
                  "decided_at": d.decided_at} for cid, d in found.items()}


def focus_areas(events: list[dict], unapplied: dict[str, dict], access: RepAccess,
                names: dict[str, str]) -> list[dict]:
    """The open events a viewer sees, each as the store will make it: an event with a decision
    not applied yet shows that decision at once (contract: "shows a decision at once, from
    the store"), marked for tonight's run, to those who decide (see_pending): they also see an
    event a decision not applied yet dismisses, so they can tell what tonight's run will do. A
    rep sees what the coaching log has approved or modified, never a pending one nor a
    dismissal, and a decision only once the run has applied it: until then the manager may
    still undo it, and a focus area that appears and then vanishes teaches the rep nothing.
    Agreed first, then the most persistent, then the oldest."""
    out = []
    for e in events:
        d = unapplied.get(e["coaching_id"]) if access.see_pending else None
        status = d["decision"] if d else e["approval_status"]
        action = (d["action_text"] if d and d["action_text"] else None) or e["approved_action"] \
            or e["recommended_action"]
        shown = status in SHOWN_TO_REP or (access.see_pending and (status == "pending_approval" or d is not None))
        if not shown:
            continue
        mark = None
        if d:
            mark = {"text": f"{d['decision']} by {names.get(d['decided_by'], d['decided_by'])} "
                            "— takes effect in tonight's run", "decision": d["decision"]}
        out.append({"coaching_id": e["coaching_id"], "pattern_key": e.get("pattern_key"),
                    "pattern_detected": e["pattern_detected"], "action": action,
                    "approval_status": status, "weeks_flagged": e["weeks_flagged"], "opened_on": e["opened_on"],
                    "escalated_to_slm": e["escalated_to_slm"], "unapplied": mark, "queued": e["queued"]})
    out.sort(key=lambda f: (f["approval_status"] not in SHOWN_TO_REP, f["approval_status"] == "dismissed",
                            -(f["weeks_flagged"] or 0), f["opened_on"]))
    return out


def insights(cur, rep_id: str, access: RepAccess, *, store=None, names: dict[str, str] | None = None) -> dict:
    """Open focus areas (focus_areas) and strengths (the rep's best skills at the last
    weekly assessment, at most two; a skill with a gap or at Critical is never one:
    scoring.may_be_strength)."""
    queued = "coalesce(queued, false)" if has_column(cur, "coaching", "coaching_log", "queued") else "false"
    pattern_key = "pattern_key" if has_column(cur, "coaching", "coaching_log", "pattern_key") else "null"
    events = rows(cur, f"""
        select coaching_id, {pattern_key} as pattern_key, pattern_detected, recommended_action, approved_action, approval_status, weeks_flagged,
               opened_on, escalated_to_slm, {queued} as queued
        from coaching.coaching_log where rep_id = ? and status = 'open'
        order by weeks_flagged desc, opened_on, coaching_id""", [rep_id])
    focus = focus_areas(events, _decision_marks(store, events), access, names or {})
    skills = []
    if has_table(cur, "coaching", "skill_assessment_log"):
        skills = rows(cur, """
            select skill, score, level, gap_detected, trend from coaching.skill_assessment_log
            where rep_id = ? and skill <> 'overall' and assessment_date = (
                select max(assessment_date) from coaching.skill_assessment_log where rep_id = ?)
            order by score desc nulls last""", [rep_id, rep_id])
    cfg = settings().coaching
    strengths = [s for s in skills if may_be_strength(s["score"], s["gap_detected"], s["level"], cfg)][:2]
    return {"focus_areas": focus, "strengths": strengths, "skills": skills}


def this_week(focus: list[dict], actions: list[dict]) -> list[str]:
    """Up to three things to do this week, by the rule of the rep digest's template narrative
    (digests/narrative.py): the first two next best actions shown (done and deferred ones are
    gone already), then the first focus area agreed with the manager. Never a pending
    recommendation, even for a manager looking: this is the rep's week."""
    items = [f"{a['action_reason']}: {a['action_type_label'].lower()}"
             + (f" ({a['opportunity_name'] or a['account_name']})" if a['opportunity_name'] or a['account_name'] else "")
             for a in actions[:2]]
    agreed = next((f for f in focus if f["approval_status"] in SHOWN_TO_REP), None)
    if agreed:
        items.append(f"Work on your focus area as agreed with your manager: {agreed['action']}")
    return items or ["Keep your pipeline current: update the next step and close date of every open deal."]


def _publication_as_of(cur) -> dt.date | None:
    if not has_column(cur, "marts", "publication", "as_of"):
        return None
    return cur.execute("select max(as_of) from marts.publication").fetchone()[0]


def dashboard(cur, rep: Person, access: RepAccess, quarter: str | None = None, *, store=None,
              org: Org | None = None, now: dt.datetime | None = None) -> dict | None:
    """One rep's dashboard for a fiscal quarter (default: the current one, else the latest).
    None when the rep has no performance row in that quarter. `store`: the decisions store,
    read for what shows at once (done / deferred actions, decisions not applied yet); `org`
    names the deciders for those who may see names; `now` (UTC) fixes the rep's today."""
    available = quarters(cur, rep.user_id)
    if not available:
        return None
    chosen = next((q for q in available if q["fiscal_quarter"] == quarter), None) if quarter else None
    chosen = chosen or next((q for q in available if q["is_current_quarter"]), available[0])
    me = rows(cur, "select * from marts.rep_performance where rep_id = ? and fiscal_quarter = ?",
              [rep.user_id, chosen["fiscal_quarter"]])[0]
    zone = rep_zone(cur, rep.user_id)
    today = local_date(now or utc_now(), zone)
    actions = next_best_actions(cur, rep.user_id, hidden_outcomes(store, rep.user_id, today))
    names = {uid: p.name for uid, p in org.people.items()} if org and access.see_names else {}
    data = {
        "rep": {"rep_id": rep.user_id, "name": rep.name, "role": rep.role},
        "quarter": chosen["fiscal_quarter"], "quarters": [q["fiscal_quarter"] for q in available],
        "window": {"start": me["quarter_start"], "end": me["window_end"],
                   "pace": me.get("quota_pace"), "is_current": me["is_current_quarter"]},
        "kpis": kpis(me), "drivers": drivers(me), "activity": activity(cur, rep.user_id, access),
        "pipeline": pipeline(cur, rep.user_id),
        "next_best_actions": actions["shown"], "hidden_actions": actions["hidden"],
        "today": today, "tomorrow": today + dt.timedelta(days=1), "time_zone": str(zone),
        "has_store": store is not None,
        "insights": insights(cur, rep.user_id, access, store=store, names=names),
        # the seller's own role_metrics row, their role's metrics only (role_queries)
        "roles": rep_roles(cur, rep, access, _publication_as_of(cur)),
        "may": access.__dict__,
    }
    data["insights"]["this_week"] = this_week(data["insights"]["focus_areas"], actions["shown"])
    if access.see_names:
        data["rep"]["manager_name"] = me.get("manager_name")
    return data
