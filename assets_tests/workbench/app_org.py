"""A tiny published analytics file for the workbench tests (only the tables and columns the
app reads, hand-made rows) and a real uvicorn server on a free port in a thread.

The org: SLM s1 over managers m1 (reps r1, r2) and m2 (rep r3); an admin known only by email.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import uvicorn

from coaching_pipeline.workbench.access import Org, Person
from coaching_pipeline.workbench.app import create_app
from coaching_pipeline.workbench.audit import MemoryAuditSink
from coaching_pipeline.workbench.runtime import WorkbenchSettings
from coaching_pipeline.workbench.store import open_store

ADMIN = "admin@example.com"
SELLERS = [  # rep_id, name, email, role, manager, manager name
    ("r1", "Rita Rep", "rita@example.com", "AE", "m1", "Mona Manager"),
    ("r2", "Ravi Rep", "ravi@example.com", "AE", "m1", "Mona Manager"),
    ("r3", "Rosa Rep", "rosa@example.com", "AE", "m2", "Max Manager"),
]
USERS = [("m1", "Mona Manager", "Mona@Example.com"), ("m2", "Max Manager", "max@example.com"),
         ("s1", "Sam Slm", "sam@example.com")]


def org() -> Org:
    people = [Person(r, n, e, True, m, "s1", role) for r, n, e, role, m, _ in SELLERS]
    people += [Person(u, n, e) for u, n, e in USERS]
    return Org.of(people)


def build_published(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema coaching")
    con.execute("create table marts.sellers (rep_id varchar, rep_name varchar, email varchar, role varchar, "
                "manager_id varchar, manager_name varchar, slm_id varchar, slm_name varchar)")
    con.executemany("insert into marts.sellers values (?, ?, ?, ?, ?, ?, 's1', 'Sam Slm')", SELLERS)
    con.execute("create table marts.users (user_id varchar, user_name varchar, email varchar)")
    con.executemany("insert into marts.users values (?, ?, ?)", USERS + [(r, n, e) for r, n, e, *_ in SELLERS])
    con.execute("""create table marts.rep_performance (
        rep_id varchar, rep_name varchar, role varchar, manager_id varchar, manager_name varchar, slm_id varchar,
        team_id varchar, fiscal_quarter varchar, quarter_start date, quarter_end date, window_end date,
        is_current_quarter boolean, quota_amount decimal(18,2), closed_won_amount decimal(18,2),
        attainment double, quota_pace double, prev_quarter_attainment double, win_rate double,
        avg_deal_size decimal(18,2), avg_sales_cycle_days double, avg_stakeholders double,
        avg_days_to_meeting double, champion_identification_rate double, economic_buyer_rate double,
        team_avg_win_rate double, team_avg_deal_size decimal(18,2), team_avg_cycle double,
        overall_rank bigint, total_reps bigint, is_top_25 boolean, prev_quarter_rank bigint,
        top_avg_stakeholders double, top_avg_days_to_meeting double, top_champion_rate double, top_eb_rate double)""")
    q3, q4 = (dt.date(2026, 7, 1), dt.date(2026, 9, 30)), (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    for i, (rep, name, _e, role, mgr, mgr_name) in enumerate(SELLERS):
        for quarter, (start, end), current, att in (("2026-Q3", q3, False, 0.6 + i / 10),
                                                    ("2026-Q4", q4, True, 1.05 - i * 0.3)):
            con.execute("insert into marts.rep_performance values (?, ?, ?, ?, ?, 's1', ?, ?, ?, ?, ?, ?, 100000, "
                        "?, ?, 0.5, 0.7, 0.3, 25000, 40, 3.1, 12, 0.5, 0.4, 0.32, 27000, 45, ?, 3, ?, 2, "
                        "3.9, 9, 0.7, 0.6)",
                        [rep, name, role, mgr, mgr_name, mgr, quarter, start, end, min(end, dt.date(2026, 11, 13)),
                         current, att * 100000, att, i + 1, i == 0])
    con.execute("""create table marts.deal_health_scores (opportunity_id varchar, opportunity_name varchar,
        account_name varchar, owner_id varchar, stage_name varchar, amount decimal(18,2), close_date date,
        is_closed boolean, health_score integer, health_band varchar, risk_reasons varchar[],
        priority_action_label varchar)""")
    con.execute("insert into marts.deal_health_scores values "
                "('o1', 'Acme renewal', 'Acme', 'r1', 'Negotiation', 48000, '2026-12-15', false, 35, 'red', "
                "['No touch in 29 days', 'Champion not identified'], 'Call'), "
                "('o2', 'Beta expansion', 'Beta', 'r1', 'Discovery', 12000, '2027-01-20', false, 72, 'green', [], 'Email'), "
                "('o3', 'Ravi deal', 'Gamma', 'r2', 'Discovery', 9000, '2027-01-20', false, 50, 'yellow', [], 'Email')")
    con.execute("""create table marts.next_best_actions (rep_id varchar, opportunity_id varchar,
        opportunity_name varchar, account_name varchar, action_type_label varchar, contact_name varchar,
        action_reason varchar, best_time varchar, best_time_zone varchar, rank_for_rep bigint)""")
    con.execute("insert into marts.next_best_actions values ('r1', 'o1', 'Acme renewal', 'Acme', 'Call', "
                "'Dana Buyer', 'Re-engage: no touch in 29 days', 'Thu 08:00-10:00', 'America/New_York', 1)")
    con.execute("""create table coaching.coaching_log (coaching_id varchar, rep_id varchar,
        pattern_detected varchar, recommended_action varchar, approved_action varchar, approval_status varchar,
        status varchar, weeks_flagged integer, opened_on date, escalated_to_slm boolean)""")
    con.execute("insert into coaching.coaching_log values "
                "('c1', 'r1', 'Approved pattern', 'Ask more questions', null, 'approved', 'open', 2, '2026-10-05', false), "
                "('c2', 'r1', 'Modified pattern', 'Talk less', 'Hold a 60/40 talk ratio', 'modified', 'open', 1, '2026-10-12', false), "
                "('c3', 'r1', 'Pending pattern', 'Qualify harder', null, 'pending_approval', 'open', 3, '2026-10-01', false), "
                "('c4', 'r1', 'Dismissed pattern', 'Do nothing', null, 'dismissed', 'open', 1, '2026-10-01', false), "
                # more pending events for the inbox: r1 (a newer one), r2 (m1's other rep), r3 (m2's rep)
                "('c5', 'r1', 'Second pending pattern', 'Book the next step', null, 'pending_approval', 'open', 1, '2026-10-20', false), "
                "('c6', 'r2', 'Ravi pending pattern', 'Multi-thread', null, 'pending_approval', 'open', 2, '2026-10-08', false), "
                "('c7', 'r3', 'Rosa pending pattern', 'Find a champion', null, 'pending_approval', 'open', 4, '2026-09-20', false), "
                "('c8', 'r2', 'Ravi resolved pattern', 'Nothing', null, 'pending_approval', 'resolved', 5, '2026-09-01', false)")
    # the columns the decisions store's checks read (store/facts.py): who manages the event's rep
    con.execute("alter table coaching.coaching_log add column role varchar")
    con.execute("alter table coaching.coaching_log add column manager_id varchar")
    con.execute("alter table coaching.coaching_log add column slm_id varchar")
    con.execute("alter table coaching.coaching_log add column last_assessed_on date")
    con.execute("update coaching.coaching_log l set role = 'AE', slm_id = 's1', last_assessed_on = '2026-11-09', "
                "manager_id = case l.rep_id when 'r3' then 'm2' else 'm1' end")
    con.execute("""create table coaching.skill_assessment_log (rep_id varchar, assessment_date date, skill varchar,
        score double, level varchar, gap_detected boolean, trend varchar)""")
    con.execute("insert into coaching.skill_assessment_log values "
                "('r1', '2026-11-09', 'discovery', 91, 'Expert', false, 'flat'), "
                "('r1', '2026-11-09', 'closing', 55, 'Needs Coaching', true, 'flat')")
    con.close()
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningServer:
    """create_app behind a real uvicorn on a free port, in a daemon thread."""

    def __init__(self, published: Path, auth: str = "dev", trusted: tuple[str, ...] = ("127.0.0.1",), store=None):
        """store: a decisions store (it is then the audit sink too); else an in-memory sink."""
        self.store = store
        self.audit = store or MemoryAuditSink()
        self.port = free_port()
        settings = WorkbenchSettings(published=published, auth=auth, secret_key="test-secret", port=self.port,
                                     trusted_proxies=trusted, admins=(ADMIN,))
        self.app = create_app(settings, store=store) if store is not None else create_app(settings, self.audit)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    proxy_headers=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> RunningServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the workbench server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@contextmanager
def served_with_store(published: Path):
    """A running server on `published` with a new SQLite decisions store beside it (which is
    also its audit sink): the set-up of every test that decides, marks or is refused."""
    store = open_store(f"sqlite:///{published.parent / 'decisions.sqlite'}")
    try:
        with RunningServer(published, store=store) as running:
            yield running
    finally:
        store.close()
