"""The tiny published org of app_org.py, with what the rep dashboard reads beyond it: daily
activity rows, more next best actions, a publication row with as_of, time zones, and three more
AE sellers so group averages pass the rep's guardrail (at least two other sellers).

As of Friday 2026-11-13 the 30-day window is Thursday 15 Oct to Friday 13 Nov: 22 business days
(Mon, Tue, Wed 4 each; Thu, Fri 5 each) and 8 weekend days.

Rita (r1), every week of the window:
  Mon 3 calls 2 emails (5) · Tue 2 calls 2 emails 1 meeting 1 demo (6) · Wed 4 calls 3 emails
  and a task (7) · Thu 1 call 1 email (2, low) · Fri 2 calls 1 email 1 meeting (4, low) ·
  Sat 1 email and a social touch (1) · Sun nothing (a row of zeros);
  and 50 calls on Wed 14 Oct, the day before the window (never counted).
  Mix: 51 calls, 42 emails, 9 meetings, 4 demos (106), beside them 4 social touches, 4 tasks.
  Per business day: (5x4 + 6x4 + 7x4 + 2x5 + 4x5) / 22 = 102 / 22 = 4.636..., 10 low days.
Peers, on each business day of the window: Ravi (r2) 3 calls (and 100 on 14 Oct), Rhea (r4)
6 emails, Ron (r5) no rows at all, Rex (r6, m2's team) 8 meetings, Rosa (r3, m2) 10 calls.
Team m1 = r1, r2, r4, r5: (102/22 + 3 + 6) / 3 = 4.545... (r5 has no value, left out).
Top 25% of the AEs this quarter = r1 and r6: (102/22 + 8) / 2 = 6.318...; for Rita herself only
one other seller contributes, so she is not shown it (guardrail); her manager is.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from .app_org import build_published

AS_OF = dt.date(2026, 11, 13)
START = dt.date(2026, 10, 15)
BEFORE = dt.date(2026, 10, 14)
YOU = 102 / 22
TEAM = (102 / 22 + 3 + 6) / 3
TOP = (102 / 22 + 8) / 2
PEERS = [  # rep_id, name, email, manager, manager name, is_top_25
    ("r4", "Rhea Rep", "rhea@example.com", "m1", "Mona Manager", False),
    ("r5", "Ron Rep", "ron@example.com", "m1", "Mona Manager", False),
    ("r6", "Rex Rep", "rex@example.com", "m2", "Max Manager", True),
]
ZONES = {"r1": "America/New_York", "r2": "Europe/Berlin"}
# weekday (Monday 0) -> call, email, meeting, demo, social, task
RITA_WEEK = {0: (3, 2, 0, 0, 0, 0), 1: (2, 2, 1, 1, 0, 0), 2: (4, 3, 0, 0, 0, 1), 3: (1, 1, 0, 0, 0, 0),
             4: (2, 1, 1, 0, 0, 0), 5: (0, 1, 0, 0, 1, 0), 6: (0, 0, 0, 0, 0, 0)}
PEER_DAYS = {"r2": (3, 0, 0, 0), "r4": (0, 6, 0, 0), "r6": (0, 0, 8, 0), "r3": (10, 0, 0, 0)}
ACTIONS = [  # rep_id, opportunity, name, account, type, contact, reason, best time, zone, rank
    ("r1", "o2", "Beta expansion", "Beta", "Email", "Evan Exec", "Send the proposal", "Tue 10:00-12:00",
     "America/New_York", 2),
    ("r1", "o5", "Delta pilot", "Delta", "Meeting", "Pia Lead", "Book the pilot review", "Wed 14:00-16:00",
     "America/New_York", 3),
    ("r2", "o3", "Ravi deal", "Gamma", "Call", "Gus Buyer", "Find a champion", "Mon 08:00-10:00",
     "Europe/Berlin", 1),
]
THRESHOLD = 5


def _row(rep_id: str, day: dt.date, call=0, email=0, meeting=0, demo=0, social=0, task=0) -> tuple:
    business = day.weekday() < 5
    count = call + email + meeting + demo
    return (rep_id, day, business, call, email, meeting, demo, social, task, 0, count, business and count < THRESHOLD)


def activity_rows() -> list[tuple]:
    days = [START + dt.timedelta(days=i) for i in range((AS_OF - START).days + 1)]
    out = [_row("r1", BEFORE, call=50), _row("r2", BEFORE, call=100)]
    for day in days:
        call, email, meeting, demo, social, task = RITA_WEEK[day.weekday()]
        out.append(_row("r1", day, call, email, meeting, demo, social, task))
        if day.weekday() < 5:
            out += [_row(rep, day, *counts) for rep, counts in PEER_DAYS.items()]
    return out


def add_activities(path: Path, publication: bool = True) -> Path:
    con = duckdb.connect(str(path))
    con.execute("""create table marts.rep_activities (rep_id varchar, activity_date date, is_business_day boolean,
        call_count bigint, email_count bigint, meeting_count bigint, demo_count bigint, social_count bigint,
        task_count bigint, other_count bigint, activity_count bigint, is_low_day boolean)""")
    con.executemany("insert into marts.rep_activities values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", activity_rows())
    if publication:
        con.execute("create table marts.publication (table_schema varchar, table_name varchar, row_count bigint, "
                    "published_at timestamp, as_of date, dagster_run_id varchar)")
        con.execute("insert into marts.publication values ('marts', 'rep_activities', 0, '2026-11-14 02:00', ?, "
                    "'run-1')", [AS_OF])
    con.close()
    return path


def add_peers(path: Path) -> Path:
    """r4, r5 (m1's team) and r6 (m2's, in the Top 25% with r1) as sellers with a Q4 row."""
    con = duckdb.connect(str(path))
    con.execute("update marts.rep_performance set is_top_25 = (rep_id = 'r1')")
    for rep, name, email, manager, manager_name, top in PEERS:
        con.execute("insert into marts.sellers values (?, ?, ?, 'AE', ?, ?, 's1', 'Sam Slm')",
                    [rep, name, email, manager, manager_name])
        con.execute("insert into marts.users values (?, ?, ?)", [rep, name, email])
        con.execute("insert into marts.rep_performance select * replace (? as rep_id, ? as rep_name, ? as manager_id, "
                    "? as manager_name, ? as team_id, ? as is_top_25) from marts.rep_performance "
                    "where rep_id = 'r2' and fiscal_quarter = '2026-Q4'", [rep, name, manager, manager_name, manager, top])
    con.close()
    return path


def add_actions_and_zones(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.executemany("insert into marts.next_best_actions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ACTIONS)
    con.execute("alter table marts.sellers add column time_zone varchar")
    for rep, zone in ZONES.items():
        con.execute("update marts.sellers set time_zone = ? where rep_id = ?", [zone, rep])
    con.close()
    return path


def build_dashboard(path: Path, publication: bool = True) -> Path:
    """app_org's file with everything above."""
    build_published(path)
    add_peers(path)
    add_actions_and_zones(path)
    return add_activities(path, publication)
