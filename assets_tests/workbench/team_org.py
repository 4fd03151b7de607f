"""The tiny published file of app_org.build_published, plus what the team view reads beyond
it: the publication's as_of, the daily flags and escalations (of this month and of the one
before), more skill rows (each seller's latest assessment, one older), more deals, is_at_risk.

Hand-computed figures of the current quarter (2026-Q4, quota pace 80%, as_of 13 Nov 2026):

| seller | manager | attainment | ÷ pace | open deals (health) | mean | quadrant |
|---|---|---|---|---|---|---|
| r1 Rita | m1 | 105% | 131% | o1 35, o2 72, o6 10 | 39 | on pace, weak pipeline |
| r2 Ravi | m1 | 75% | 94% | o3 50, o4 90 | 70 | behind pace, healthy pipeline |
| r3 Rosa | m2 | 45% | 56% | o5 30 | 30 | behind pace, weak pipeline |

At-risk deals (is_at_risk): o1 (r1, 48,000) and o5 (r3, 64,000); o6 is red but more than 90
days past its close date (hygiene, not risk); o7 is closed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from .app_org import build_published

AS_OF = dt.date(2026, 11, 13)
PACE = 0.8
ATTAINMENT = {"r1": "1.05", "r2": "0.75", "r3": "0.45"}  # exact; won = attainment x 100,000
FLAGS = [  # flag_id, rep, manager, rule, flag_date, detail, opportunity
    ("f1", "r2", "m1", "large_deal_red", "2026-11-10", "Open deal Ravi deal fell to red", "o3"),
    ("f2", "r1", "m1", "large_deal_red", "2026-11-03", "Open deal Acme renewal of 48,000 is red", "o1"),
    ("f3", "r3", "m2", "attainment", "2026-11-12", "Attainment 45% with 41 days left", None),
    ("f4", "r1", "m1", "attainment", "2026-10-20", "October flag, not this month", None),
]
ESCALATIONS = [  # escalation_id, rep, rule, pattern_key, to, manager, date, reason
    ("e1", "r2", "persistence", "skill:discovery", "slm", "m1", "2026-11-09", "Discovery below 70 for 3 weeks"),
    ("e2", "r3", "attainment", None, "manager_and_slm", "m2", "2026-11-12", "Attainment 45% with 41 days left"),
    ("e3", "r1", "manual", None, "slm", "m1", "2026-10-15", "October escalation, not this month"),
]
SKILLS = [  # rep, date, skill, score, level
    ("r1", "2026-11-09", "qualification", 78, "Proficient"),
    ("r1", "2026-11-09", "overall", 72, "Developing"),
    ("r1", "2026-11-02", "discovery", 50, "Needs Coaching"),  # older: not counted
    ("r1", "2026-11-02", "overall", 60, "Developing"),
    ("r2", "2026-11-09", "discovery", 62, "Developing"),
    ("r2", "2026-11-09", "closing", 35, "Critical"),
    ("r2", "2026-11-09", "qualification", None, None),  # insufficient data
    ("r2", "2026-11-09", "overall", 48, "Needs Coaching"),
    ("r3", "2026-11-02", "discovery", 80, "Proficient"),
    ("r3", "2026-11-02", "closing", 70, "Developing"),
    ("r3", "2026-11-02", "overall", 75, "Proficient"),
]
DEALS = [  # id, name, account, owner, stage, amount, close, closed, health, band, reasons
    ("o4", "Ravi expansion", "Epsilon", "r2", "Proposal", 20000, "2026-12-20", False, 90, "green", []),
    ("o5", "Rosa <big> deal", "Delta & Sons", "r3", "Negotiation", 64000, "2026-12-01", False, 30, "red",
     ["MEDDPICC 2/8 complete"]),
    ("o6", "Old stale deal", "Zeta", "r1", "Discovery", 99000, "2026-06-01", False, 10, "red",
     ["Close date passed 165 days ago"]),
    ("o7", "Won deal", "Eta", "r1", "Closed Won", 30000, "2026-10-20", True, None, None, None),
]


def add_team_data(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create table marts.publication (table_schema varchar, table_name varchar, row_count bigint, "
                "published_at timestamp, as_of date, dagster_run_id varchar)")
    con.execute("insert into marts.publication values ('marts', 'sellers', 3, now(), ?, 'run-1'), "
                "('marts', 'rep_performance', 6, now(), ?, 'run-1')", [AS_OF, AS_OF])
    for rep, att in ATTAINMENT.items():
        con.execute("update marts.rep_performance set attainment = ?::double, closed_won_amount = ?::decimal(18,2) "
                    "* 100000, quota_pace = ? where rep_id = ? and is_current_quarter", [att, att, PACE, rep])
    con.executemany("insert into marts.deal_health_scores values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null)", DEALS)
    con.execute("alter table marts.deal_health_scores add column is_at_risk boolean")
    con.execute("update marts.deal_health_scores set is_at_risk = not is_closed and health_band = 'red' "
                "and close_date >= ?::date - 90", [AS_OF])
    con.execute("""create table coaching.daily_flags (flag_id varchar, rep_id varchar, manager_id varchar,
        rule varchar, flag_week date, flag_date date, detail varchar, opportunity_id varchar)""")
    con.executemany("insert into coaching.daily_flags values (?, ?, ?, ?, date_trunc('week', ?::date), ?, ?, ?)",
                    [(f, r, m, rule, day, day, detail, opp) for f, r, m, rule, day, detail, opp in FLAGS])
    con.execute("""create table coaching.escalations (escalation_id varchar, rep_id varchar, role varchar,
        rule varchar, pattern_key varchar, coaching_id varchar, escalated_to varchar, manager_id varchar,
        slm_id varchar, escalation_date date, reason varchar, history varchar, escalated_by varchar,
        escalated_at timestamp)""")
    con.executemany("insert into coaching.escalations values (?, ?, 'AE', ?, ?, null, ?, ?, 's1', ?, ?, '[]', "
                    "null, null)", ESCALATIONS)
    con.executemany("insert into coaching.skill_assessment_log values (?, ?, ?, ?, ?, false, 'stable')", SKILLS)
    con.close()
    return path


def build_team_published(path: Path) -> Path:
    return add_team_data(build_published(path))
