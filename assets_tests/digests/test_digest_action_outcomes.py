"""The rep digest's next best actions leave out those their rep marked in the workbench
(coaching.action_outcomes, copied from the decisions store by the run): done, or deferred to a
date after the digest's as_of, per the latest outcome in force. On a hand-made warehouse of
one table: month_data.read_next_actions is the one reader of the rep digest's actions (and of
the AI narrative's this_week), so the same rows mean the same documents."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from coaching_pipeline.coaching.schema import ensure_schema
from coaching_pipeline.config import settings
from coaching_pipeline.digests.month_data import read_next_actions

AS_OF = dt.date(2026, 11, 13)
AT = dt.datetime(2026, 11, 10, 15, 0)


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("""create table marts.next_best_actions (rep_id varchar, opportunity_id varchar,
        opportunity_name varchar, account_name varchar, amount decimal(18,2), close_date date, health_score integer,
        health_band varchar, action_type_label varchar, action_reason varchar, contact_name varchar,
        best_time varchar, best_time_zone varchar, rank_for_rep bigint)""")
    rows = [("R1", f"O{i}", f"Deal {i}", "Acme", 1000 * i, None, 40, "red", "Call", f"Reason {i}", "Dana",
             "Tue 10:00-12:00", "UTC", i) for i in range(1, 6)]
    rows.append(("R2", "O6", "Deal 6", "Beta", 500, None, 50, "yellow", "Email", "Reason 6", None, "Wed 10:00-12:00",
                 "UTC", 1))
    con.executemany("insert into marts.next_best_actions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    yield con
    con.close()


def _ids(con) -> dict[str, list[str]]:
    return {rep: [r["opportunity_name"] for r in rows] for rep, rows in read_next_actions(con, AS_OF, settings()).items()}


def _outcome(con, outcome_id, opp, rep, outcome, until=None, undone=None, at=AT):
    con.execute("insert into coaching.action_outcomes values (?, ?, ?, ?, ?, null, ?, ?, ?, ?)",
                [outcome_id, opp, rep, outcome, until, rep, at, undone, at])


def test_without_outcomes_the_rows_are_the_same_as_before(con):
    before = read_next_actions(con, AS_OF, settings())  # an older warehouse: no action_outcomes table
    assert {rep: [r["opportunity_name"] for r in rows] for rep, rows in before.items()} == {
        "R1": ["Deal 1", "Deal 2", "Deal 3"], "R2": ["Deal 6"]}
    ensure_schema(con)
    assert read_next_actions(con, AS_OF, settings()) == before  # the table, empty
    _outcome(con, 1, "O1", "R1", "done", undone=AT)  # withdrawn: nothing in force
    assert read_next_actions(con, AS_OF, settings()) == before


def test_done_and_deferred_actions_leave_the_digest_and_the_next_ones_move_up(con):
    ensure_schema(con)
    _outcome(con, 1, "O1", "R1", "done")
    _outcome(con, 2, "O2", "R1", "deferred", until=AS_OF + dt.timedelta(days=1))  # back after as_of
    _outcome(con, 3, "O3", "R1", "deferred", until=AS_OF)  # its date has come: shown again
    _outcome(con, 4, "O4", "R1", "done", undone=AT)  # undone: shown
    # two rows in force for one deal (the copy is whole): the latest one counts
    _outcome(con, 5, "O5", "R1", "done", at=AT)
    _outcome(con, 6, "O5", "R1", "deferred", until=AS_OF - dt.timedelta(days=2), at=AT + dt.timedelta(hours=1))
    _outcome(con, 7, "O6", "R1", "done")  # another rep's outcome on R2's deal: R2's action stays
    assert _ids(con) == {"R1": ["Deal 3", "Deal 4", "Deal 5"], "R2": ["Deal 6"]}
    [first, *_] = read_next_actions(con, AS_OF, settings())["R1"]
    assert (first["action_reason"], first["rank_for_rep"]) == ("Reason 3", 3)


def test_every_action_of_a_rep_done_leaves_them_none(con):
    ensure_schema(con)
    for i in range(1, 6):
        _outcome(con, i, f"O{i}", "R1", "done")
    assert _ids(con) == {"R2": ["Deal 6"]}
