"""The month's warehouse reads for the digests (coaching contract, "Monthly digests"): one
reader per query, each returning plain rows (dicts, NaN read as None), and `MonthData`, the
holder of one month's rows, read once and shared by every document.

Periods. The month rendered is [start, end]. The marts hold one as_of (the warehouse's
intermediate.int_as_of), so:
- quarter figures (attainment, win rate... and the team / Top 25% benchmarks) are
  rep_performance's row of the fiscal quarter containing min(month end, as_of), i.e. quarter
  to date as of the run; trend arrows compare with the previous quarter;
- the skill table is the seller's last weekly assessment dated in the month, compared with the
  last one dated before it ("last month");
- activities, calls, escalations and daily flags are those dated in the month;
- the sources the org delivered at all are intermediate.int_source_coverage (coverage.py):
  a figure whose source is absent is printed as the missing data, not as n/a;
- role metrics (marts.role_metrics) are the row of the month rendered (month_start), its
  rates over the mart's window (role_sections.py);
- focus areas are approved or modified coaching events open at the month's end; next best
  actions, pending approvals, at-risk deals and the hygiene list are the current ones (as of
  the run); deals more than 90 days past their close date are hygiene (hygiene.py): out of
  the next best actions and the at-risk deals, in the manager's hygiene list.

Per-seller and per-manager rows are read with one query for every document, grouped by
seller or manager, not one query per seller (at 5,000 sellers per-seller queries over the
marts cost more than the rest of the digests).
"""

from __future__ import annotations

import collections
import datetime as dt
import math
from typing import Any

import duckdb

from ..coaching import approvals, schema
from ..config import Settings, settings
from ..db import table_exists
from . import defaults, escalations, hygiene
from .coverage import Coverage
from .formatting import Month

# --------------------------------------------------------------------------------------
# rows


def _clean(x: Any) -> Any:
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [{k: _clean(v) for k, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def _group(rows: list[dict], key: str, *, keep_key: bool = False) -> dict[Any, list[dict]]:
    """Rows by the value of column `key` (dropped from the rows unless `keep_key`), each group
    in the rows' order."""
    grouped: dict[Any, list[dict]] = {}
    for r in rows:
        grouped.setdefault(r[key] if keep_key else r.pop(key), []).append(r)
    return grouped


def has_marts(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the tables the digests read are built (the nightly dbt build ran)."""
    return all(table_exists(con, s, t) for s, t in (
        ("intermediate", "int_as_of"), ("intermediate", "int_users"), ("marts", "rep_performance"),
        ("marts", "rep_activities"), ("marts", "next_best_actions"), ("marts", "deal_health_scores")))


# --------------------------------------------------------------------------------------
# one reader per query


def read_as_of(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    return con.execute("select as_of from intermediate.int_as_of").fetchone()[0]


def read_currency(con: duckdb.DuckDBPyConnection) -> str:
    """The corporate currency every amount is in."""
    return con.execute("select corporate_iso_code from intermediate.int_corporate_currency").fetchone()[0]


def read_users(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Every user by id."""
    return {u["user_id"]: u for u in _rows(con, """
        select user_id, user_name, role, is_seller, is_active, manager_id, manager_name, slm_id, slm_name,
               email_lower, team_id
        from intermediate.int_users order by user_id""")}


def read_quarter_performance(con: duckdb.DuckDBPyConnection, day: dt.date) -> list[dict]:
    """rep_performance's rows of the fiscal quarter containing `day`, by rep id."""
    return _rows(con, "select * from marts.rep_performance where quarter_start <= ? and quarter_end >= ? "
                      "order by rep_id", [day, day])


def read_last_assessment_date(con: duckdb.DuckDBPyConnection, month: Month) -> dt.date | None:
    """The last weekly assessment dated in the month."""
    return con.execute(
        "select max(assessment_date) from coaching.skill_assessment_log where assessment_date between ? and ?",
        [month.start, month.end]).fetchone()[0]


def read_assessment_date_before(con: duckdb.DuckDBPyConnection, day: dt.date) -> dt.date | None:
    """The last weekly assessment dated before `day`."""
    return con.execute(
        "select max(assessment_date) from coaching.skill_assessment_log where assessment_date < ?",
        [day]).fetchone()[0]


def read_assessments(con: duckdb.DuckDBPyConnection, day: dt.date | None) -> dict[str, dict[str, dict]]:
    """The assessment of `day`: rep id -> skill -> row (empty without a day)."""
    out: dict[str, dict[str, dict]] = {}
    if day is None:
        return out
    for r in _rows(con, "select * from coaching.skill_assessment_log where assessment_date = ?", [day]):
        out.setdefault(r["rep_id"], {})[r["skill"]] = r
    return out


def read_assessed_reps(con: duckdb.DuckDBPyConnection, month: Month) -> set[str]:
    """The sellers assessed in the month (a seller who left in it still gets a digest)."""
    return {r[0] for r in con.execute(
        "select distinct rep_id from coaching.skill_assessment_log where assessment_date between ? and ?",
        [month.start, month.end]).fetchall()}


def read_activity_days(con: duckdb.DuckDBPyConnection, month: Month) -> dict[str, list[dict]]:
    """The month's business days by seller."""
    return _group(_rows(con, """
        select rep_id, activity_date, activity_count, is_low_day from marts.rep_activities
        where activity_date between ? and ? and is_business_day order by rep_id, activity_date""",
                        [month.start, month.end]), "rep_id")


def read_focus_events(con: duckdb.DuckDBPyConnection, month: Month) -> dict[str, list[dict]]:
    """Approved or modified coaching events opened by the month's end, by seller."""
    return _group(_rows(con, """
        select rep_id, coaching_id, pattern_key, pattern_detected, approved_action, approval_status,
               weeks_flagged, opened_on, last_assessed_on, resolution_date, improvement_detected
        from coaching.coaching_log
        where approval_status in ('approved', 'modified') and approved_action is not null and opened_on <= ?
        order by rep_id, weeks_flagged desc nulls last, last_assessed_on desc nulls last, opened_on,
                 coaching_id""", [month.end]), "rep_id")


def read_calls(con: duckdb.DuckDBPyConnection, month: Month) -> dict[str, list[dict]]:
    """The month's external calls by seller."""
    return _group(_rows(con, """
        select rep_id, call_id, title, url, call_date, duration_seconds, talk_ratio, questions_company_count,
               longest_monologue_s
        from intermediate.int_gong_calls
        where is_external and call_date between ? and ? order by rep_id, call_date, call_id""",
                        [month.start, month.end]), "rep_id")


def read_next_actions(con: duckdb.DuckDBPyConnection, as_of: dt.date, config: Settings) -> dict[str, list[dict]]:
    """Each seller's first next best actions, stale deals (hygiene.py) left out, and so are
    the actions their rep marked in the workbench (coaching.action_outcomes, copied from the
    decisions store by the run): done, or deferred to a date after as_of, per the latest
    outcome in force (undone_at null) of that rep on that deal; the next ones move up. A
    deferral ending on or before as_of shows the action again. Without that table (an older
    warehouse) nothing is left out, and with no outcome the rows are the same as without it."""
    held, params = "", [hygiene.cutoff(as_of, config)]
    if table_exists(con, schema.SCHEMA, "action_outcomes"):
        held = f"""
          and not exists (
            select 1 from (
                select rep_id, opportunity_id, outcome, deferred_until from {schema.SCHEMA}.action_outcomes
                where undone_at is null
                qualify row_number() over (partition by rep_id, opportunity_id
                                           order by decided_at desc, outcome_id desc) = 1) o
            where o.rep_id = n.rep_id and o.opportunity_id = n.opportunity_id
              and (o.outcome = 'done' or o.deferred_until > ?))"""
        params.append(as_of)
    return _group(_rows(con, f"""
        select rep_id, opportunity_name, account_name, amount, close_date, health_score, health_band,
               action_type_label, action_reason, contact_name, best_time, best_time_zone, rank_for_rep
        from marts.next_best_actions n
        where (close_date is null or close_date >= ?){held}
        qualify row_number() over (partition by rep_id order by rank_for_rep) <= ?
        order by rep_id, rank_for_rep""", [*params, defaults.MAX_NEXT_BEST_ACTIONS]), "rep_id")


def read_flags(con: duckdb.DuckDBPyConnection, month: Month) -> dict[str, list[dict]]:
    """The month's daily flags by manager."""
    return _group(_rows(con, """
        select manager_id, flag_id, rep_id, rule, flag_date, detail, opportunity_id from coaching.daily_flags
        where flag_date between ? and ? order by manager_id, flag_date, rep_id, rule, flag_id""",
                        [month.start, month.end]), "manager_id")


def read_red_deals(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """The at-risk deals by owner (owner_id kept in the rows)."""
    return _group(_rows(con, """
        select d.opportunity_id, d.opportunity_name, d.account_name, d.owner_id, d.amount, d.close_date,
               d.health_score, d.risk_reasons, n.action_reason
        from marts.deal_health_scores d left join marts.next_best_actions n using (opportunity_id)
        where d.is_at_risk
        order by d.owner_id, d.opportunity_id"""), "owner_id", keep_key=True)


def read_escalations(con: duckdb.DuckDBPyConnection, month: Month) -> list[dict]:
    """The month's escalations, in the documents' order."""
    return _rows(con, """
        select escalation_id, rep_id, rule, pattern_key, coaching_id, escalated_to, manager_id, slm_id,
               escalation_date, reason, history, escalated_by
        from coaching.escalations
        where escalation_date between ? and ?
        order by escalation_date, rep_id, rule, pattern_key, escalation_id""", [month.start, month.end])


def read_role_metrics(con: duckdb.DuckDBPyConnection, month: Month) -> list[dict]:
    """marts.role_metrics' rows of the month (one per seller; roles contract), by role then
    seller. Empty for a warehouse built before the mart existed: the role sections then say
    that no role data was delivered (role_sections.py)."""
    if not table_exists(con, "marts", "role_metrics"):
        return []
    return _rows(con, "select * from marts.role_metrics where month_start = ? order by role, rep_id", [month.start])


def read_process_gaps(con: duckdb.DuckDBPyConnection, month: Month) -> list[dict]:
    """The process gaps of the month's last assessed week (coaching.process_gaps): reported
    once, in the SLM notice, instead of an event per seller. Empty for an older warehouse."""
    if not table_exists(con, "coaching", "process_gaps"):
        return []
    return _rows(con, """
        select role, skill, assessment_date, scored_sellers, sellers_with_gap, share_with_gap, median_score,
               common_weakest_component
        from coaching.process_gaps
        where assessment_date = (select max(assessment_date) from coaching.process_gaps
                                 where assessment_date between ? and ?)
        order by role, skill""", [month.start, month.end])


# --------------------------------------------------------------------------------------
# the month's rows


class MonthData:
    """The month's rows, read once and shared by every document (`read_month` builds it)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, month: Month, config: Settings):
        self.con = con
        self.month = month
        self.cfg = config
        self.as_of: dt.date = read_as_of(con) or month.end
        self.currency: str = read_currency(con)
        # which optional sources the org delivered at all (not delivered is not zero)
        self.coverage = Coverage.read(con)
        self.users = read_users(con)
        self.perf = read_quarter_performance(con, min(month.end, self.as_of))
        self.perf_by_rep = {r["rep_id"]: r for r in self.perf}
        prev_start = self.perf[0]["quarter_start"] - dt.timedelta(days=1) if self.perf else None
        self.prev_perf = ({r["rep_id"]: r for r in read_quarter_performance(con, prev_start)}
                          if prev_start else {})
        self.assess_date = read_last_assessment_date(con, month)
        self.prev_assess_date = read_assessment_date_before(con, month.start)
        self.skills = read_assessments(con, self.assess_date)
        self.prev_skills = read_assessments(con, self.prev_assess_date)
        assessed_in_month = read_assessed_reps(con, month)
        self.sellers = sorted(
            (u for u in self.users.values()
             if u["is_seller"] and (u["is_active"] or u["user_id"] in assessed_in_month)),
            key=lambda u: ((u["user_name"] or "").lower(), u["user_id"]),
        )
        self.teams: dict[str, list[dict]] = {}  # manager id -> the sellers reporting to them
        for s in self.sellers:
            if s["manager_id"]:
                self.teams.setdefault(s["manager_id"], []).append(s)
        self.seller_names = {u["user_id"]: u["user_name"] for u in self.users.values()
                             if u["is_seller"] and u["user_name"]}
        self._seller_name_list = sorted(set(self.seller_names.values()))
        self._seller_name_count = collections.Counter(self.seller_names.values())
        self._top_groups: dict[str | None, list[dict]] = {}

        self.activity_days = read_activity_days(con, month)
        self.focus_events = read_focus_events(con, month)
        self.calls = read_calls(con, month)
        self.next_actions = read_next_actions(con, self.as_of, config)
        self.flags = read_flags(con, month)
        self.red_deals = read_red_deals(con)
        self.stale_deals = hygiene.stale_deals_by_owner(con, self.as_of, config)
        self.pending = _group(approvals.list_pending(con).to_dicts(), "manager_id", keep_key=True)
        self.queued = approvals.count_queued(con)  # manager_id -> events waiting for a focus-area slot
        self.process_gaps = read_process_gaps(con, month)
        self.role_rows = read_role_metrics(con, month)
        self.role_by_rep = {r["rep_id"]: r for r in self.role_rows}
        self.role_cohorts = _group(list(self.role_rows), "role", keep_key=True)  # the benchmarks' cohorts
        self.escalations = escalations.escalation_rows(con, read_escalations(con, month), self.as_of, self.name)
        self.escalations_by_manager = _group(self.escalations, "manager_id", keep_key=True)

    # -- helpers used by several documents

    def name(self, user_id: str | None) -> str:
        if not user_id:
            return "unknown"
        u = self.users.get(user_id)
        return (u or {}).get("user_name") or user_id

    def other_seller_names(self, rep_id: str) -> list[str]:
        """Every seller name but the rep's own (kept when another seller shares it)."""
        own = self.seller_names.get(rep_id)
        if own is None or self._seller_name_count[own] > 1:
            return self._seller_name_list
        return [n for n in self._seller_name_list if n != own]

    def top_group(self, role: str | None) -> list[dict]:
        """The quarter's Top 25% sellers of `role` (marts.top_group_share of the ranked ones)."""
        if role not in self._top_groups:
            ranked = [r for r in self.perf if r["role"] == role and r.get("overall_rank") is not None]
            cutoff = math.ceil(self.cfg.marts.top_group_share * ranked[0]["total_reps"]) if ranked else 0
            self._top_groups[role] = [r for r in ranked if r["overall_rank"] <= cutoff]
        return self._top_groups[role]

    def person(self, user_id: str) -> dict:
        u = self.users.get(user_id) or {}
        return {"id": user_id, "name": u.get("user_name") or user_id, "role": u.get("role"),
                "email": u.get("email_lower"), "manager_name": u.get("manager_name"),
                "manager_id": u.get("manager_id")}


def read_month(con: duckdb.DuckDBPyConnection, month: Month, config: Settings | None = None) -> MonthData:
    """The month's rows from the warehouse behind `con` (the coaching schema created first
    when it is missing)."""
    schema.ensure_schema(con)
    return MonthData(con, month, config or settings())
