"""Coaching state in DuckDB (coaching/state.py): idempotent saves of assessments and daily
flags, replays that never overwrite decisions, backfill equivalence and stale rows, survival
of a dbt rebuild. The `con` fixture (an empty coaching schema) is in conftest.py."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from coaching_pipeline.coaching import approvals, rules, state
from coaching_pipeline.coaching.schema import ensure_schema

from .helpers import (
    CFG,
    DEAL_SCHEMA,
    PERF_SCHEMA,
    assessment,
    deal,
    event_id,
    frame,
    md5_id,
    perf,
    run_week,
    snapshot,
    week,
    week_frame,
)

# --- assessments ------------------------------------------------------------------------------


def test_saving_the_same_week_again_changes_nothing(con):
    assert state.save_assessments(con, week_frame(1)) == 6  # 4 skill rows + 2 overall rows
    before = snapshot(con)
    assert state.save_assessments(con, week_frame(1)) == 0
    # a re-assessment of week 1 with other scores and a new rep is ignored too
    changed = week_frame(1).with_columns(pl.col("score") + 1).vstack(
        frame([assessment("R9", 1, "discovery", 10.0)])
    )
    assert state.save_assessments(con, changed) == 0
    assert snapshot(con) == before
    # a new week is inserted
    assert state.save_assessments(con, week_frame(2)) == 6
    assert state.assessed_weeks(con) == [week(1), week(2)]


def test_assessment_rows_round_trip(con):
    state.save_assessments(con, week_frame(1))
    back = state.read_assessments(con).sort(["rep_id", "skill"])
    assert back.equals(week_frame(1).sort(["rep_id", "skill"]))


# --- replay persistence -----------------------------------------------------------------------


def test_replay_opens_pending_events_and_never_overwrites_decisions(con):
    run_week(con, 1)
    rows = con.execute(
        "select rep_id, pattern_key, weeks_flagged, approval_status, decided_by from coaching.coaching_log order by all"
    ).fetchall()
    assert rows == [
        ("R1", "skill:closing", 1, "pending_approval", None),
        ("R1", "skill:discovery", 1, "pending_approval", None),
        ("R3", "skill:negotiation", 1, "pending_approval", None),
    ]
    cid = event_id(con, "R1", "skill:discovery")
    decided = approvals.modify(con, cid, "M1", "Shadow Ana on two discovery calls this week.")
    run_week(con, 2)
    run_week(con, 3)
    row = con.execute(
        "select weeks_flagged, escalated_to_slm, approval_status, decided_by, decided_at, approved_action, "
        "pattern_detected from coaching.coaching_log where coaching_id = ?",
        [cid],
    ).fetchone()
    assert row == (3, True, "modified", "M1", decided["decided_at"], "Shadow Ana on two discovery calls this week.",
                   "Discovery 58.0 (Needs Coaching): 6.1 questions per call vs target 11-14")
    assert con.execute(
        "select assessment_date, clock_week, escalated from coaching.coaching_history where coaching_id = ? order by 1",
        [cid],
    ).fetchall() == [(week(1), 1, False), (week(2), 2, False), (week(3), 3, True)]


def test_escalation_happens_even_for_a_dismissed_event(con):
    run_week(con, 1)
    run_week(con, 2)
    cid = event_id(con, "R1", "skill:discovery")
    approvals.dismiss(con, cid, "M1", "Ramping; revisit next quarter.")
    run_week(con, 3)
    assert con.execute(
        "select approval_status, escalated_to_slm, escalation_date from coaching.coaching_log where coaching_id = ?",
        [cid],
    ).fetchone() == ("dismissed", True, week(3))
    assert con.execute(
        "select rule, escalated_to, slm_id, escalation_date from coaching.escalations where coaching_id = ?", [cid]
    ).fetchall() == [("persistence", "slm", "S1", week(3))]


def test_full_history_state(con):
    for n in range(1, 7):
        run_week(con, n)
    events = con.execute(
        "select rep_id, pattern_key, opened_on, weeks_flagged, status, resolution_date, improvement_detected, "
        "escalation_date from coaching.coaching_log order by rep_id, pattern_key, opened_on"
    ).fetchall()
    assert events == [
        ("R1", "skill:closing", week(1), 1, "resolved", week(2), True, None),
        ("R1", "skill:closing", week(3), 3, "resolved", week(6), True, week(5)),
        ("R1", "skill:discovery", week(1), 6, "open", None, False, week(3)),
        ("R3", "skill:negotiation", week(1), 5, "open", None, False, week(4)),  # 1, 1 (restart), 2, 3, 4, 5
        ("R3", "skill:presentation", week(3), 1, "resolved", week(4), True, None),
    ]
    escalations = con.execute(
        "select escalation_date, rep_id, rule, pattern_key, escalated_to from coaching.escalations order by all"
    ).fetchall()
    assert escalations == [
        (week(3), "R1", "persistence", "skill:discovery", "slm"),
        (week(4), "R3", "persistence", "skill:negotiation", "slm"),
        (week(5), "R1", "persistence", "skill:closing", "slm"),
        # R1 in the bottom quartile since week 1: 35 days at week 6
        (week(6), "R1", "bottom_quartile", "metric:overall_bottom_quartile", "manager"),
        (week(6), "R1", "persistence", "skill:discovery", "slm"),
    ]
    assert con.execute("select count(*) from coaching.coaching_history").fetchone() == (6 + 2 + 4 + 6 + 2,)


@pytest.mark.parametrize("order", [(3, 1, 2), (2, 3, 1), (4, 6, 1, 3, 5, 2), (6, 5, 4, 3, 2, 1)])
def test_out_of_order_backfill_gives_the_same_log_as_in_order(tmp_path, order):
    logs = {}
    for name, weeks in (("in_order", sorted(order)), ("backfill", order)):
        connection = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        ensure_schema(connection)
        for n in weeks:
            run_week(connection, n)
        logs[name] = snapshot(connection)
        connection.close()
    assert logs["backfill"] == logs["in_order"]
    assert logs["in_order"]["coaching_log"] and logs["in_order"]["coaching_history"]
    if len(order) > 3:
        assert logs["in_order"]["escalations"]


def test_backfill_deletes_undecided_stale_events_but_keeps_decided_ones(con):
    # weeks 2 and 3 first: R1 discovery opens at week 2 ...
    run_week(con, 2)
    run_week(con, 3)
    stale_discovery = event_id(con, "R1", "skill:discovery")
    stale_negotiation = event_id(con, "R3", "skill:negotiation")
    assert stale_discovery == md5_id("C", "R1", "skill:discovery", week(2).isoformat())
    approvals.approve(con, stale_negotiation, "M2")
    # ... then week 1 is backfilled: both patterns now open at week 1
    run_week(con, 1)
    ids = {r[0] for r in con.execute("select coaching_id from coaching.coaching_log").fetchall()}
    assert stale_discovery not in ids  # undecided: gone, with its history
    assert con.execute("select count(*) from coaching.coaching_history where coaching_id = ?",
                       [stale_discovery]).fetchone() == (0,)
    assert stale_negotiation in ids  # decided: kept as it was
    assert con.execute("select approval_status, opened_on from coaching.coaching_log where coaching_id = ?",
                       [stale_negotiation]).fetchone() == ("approved", week(2))
    assert md5_id("C", "R1", "skill:discovery", week(1).isoformat()) in ids


def test_stale_automatic_escalations_are_deleted_manual_ones_kept(con):
    run_week(con, 1)
    run_week(con, 3)
    run_week(con, 4)  # without week 2, R1 discovery is at clock 3 at week 4
    assert con.execute("select escalation_date from coaching.escalations where pattern_key = 'skill:discovery'"
                       ).fetchall() == [(week(4),)]
    manual = approvals.escalate_manually(con, "R1", "M1", "Lost two key accounts this month.")
    run_week(con, 2)  # backfill: the clock reaches 3 at week 3 instead
    rows = con.execute("select escalation_id, escalation_date, rule from coaching.escalations "
                       "where rule in ('persistence', 'manual') and rep_id = 'R1' order by 2, 3").fetchall()
    assert [r for r in rows if r[2] == "persistence"] == [
        (md5_id("E", "persistence", "R1", "skill:discovery", week(3).isoformat()), week(3), "persistence")
    ]
    assert [r[0] for r in rows if r[2] == "manual"] == [manual["escalation_id"]]


def test_rebuilding_the_dbt_schemas_keeps_the_coaching_tables(tmp_path):
    path = str(tmp_path / "warehouse.duckdb")
    connection = duckdb.connect(path)
    for schema in ("staging", "intermediate", "marts"):
        connection.execute(f"create schema {schema}")
        connection.execute(f"create table {schema}.some_model as select 1 as x")
    connection.execute("create table intermediate.int_users as select 'R1' as user_id, 'Rita Ames' as user_name, "
                       "'AE' as role, 'M1' as manager_id, 'S1' as slm_id")
    ensure_schema(connection)
    for n in (1, 2, 3):
        run_week(connection, n)
    approvals.approve(connection, event_id(connection, "R1", "skill:discovery"), "M1")
    approvals.escalate_manually(connection, "R1", "M1", "Needs a deal review with the SLM.")
    state.save_daily_flags(connection, rules.daily_flags(
        pl.DataFrame([perf("R1", "AE", 0.45)], schema=PERF_SCHEMA), pl.DataFrame(schema=DEAL_SCHEMA),
        dt.date(2025, 2, 19), CFG))
    before = snapshot(connection)
    assert all(before.values())
    # what a full dbt rebuild does to its own schemas
    for schema in ("staging", "intermediate", "marts"):
        connection.execute(f"drop schema {schema} cascade")
        connection.execute(f"create schema {schema}")
        connection.execute(f"create table {schema}.some_model as select 2 as x")
    connection.close()
    connection = duckdb.connect(path)
    ensure_schema(connection)
    assert snapshot(connection) == before
    # and the next decision still gets the next audit id
    approvals.dismiss(connection, event_id(connection, "R3", "skill:negotiation"), "M2")
    assert [r[0] for r in connection.execute("select decision_id from coaching.decisions order by 1").fetchall()] == [1, 2, 3]
    connection.close()


# --- daily flags --------------------------------------------------------------------------------


def test_daily_flags_are_raised_once_per_rep_rule_and_week(con):
    performance = pl.DataFrame([perf("R1", "AE", 0.45)], schema=PERF_SCHEMA)
    deals = pl.DataFrame([deal("O1", "R1", 150_000, "red")], schema=DEAL_SCHEMA)
    wednesday = rules.daily_flags(performance, deals, dt.date(2025, 2, 19), CFG)
    assert state.save_daily_flags(con, wednesday) == 2
    before = snapshot(con)
    thursday = rules.daily_flags(performance, deals, dt.date(2025, 2, 20), CFG)
    assert state.save_daily_flags(con, thursday) == 0
    assert snapshot(con) == before
    assert con.execute("select rule, flag_date, opportunity_id from coaching.daily_flags order by 1").fetchall() == [
        ("attainment", dt.date(2025, 2, 19), None), ("large_deal_red", dt.date(2025, 2, 19), "O1"),
    ]
    next_monday = rules.daily_flags(performance, deals, dt.date(2025, 2, 24), CFG)
    assert state.save_daily_flags(con, next_monday) == 2
    assert state.save_daily_flags(con, rules.daily_flags(None, None, dt.date(2025, 2, 25), CFG)) == 0


def test_a_warehouse_from_before_the_budget_gets_its_columns_and_keeps_its_events(con):
    run_week(con, 1)
    before = con.execute("select coaching_id, approval_status from coaching.coaching_log order by 1").fetchall()
    for column in ("sample_size", "benchmark_value", "benchmark_cohort", "surfaced_on", "queued"):
        con.execute(f"alter table coaching.coaching_log drop column {column}")
    con.execute("drop table coaching.process_gaps")
    ensure_schema(con)
    columns = {r[0] for r in con.execute("select column_name from duckdb_columns() where schema_name = 'coaching' "
                                         "and table_name = 'coaching_log'").fetchall()}
    assert {"sample_size", "benchmark_value", "benchmark_cohort", "surfaced_on", "queued"} <= columns
    assert con.execute("select count(*) from coaching.process_gaps").fetchone() == (0,)
    assert con.execute("select coaching_id, approval_status from coaching.coaching_log order by 1").fetchall() == before
    run_week(con, 1)  # the next replay fills them in
    assert con.execute("select count(*) from coaching.coaching_log where queued is null").fetchone() == (0,)
