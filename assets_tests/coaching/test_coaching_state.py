"""Coaching state in DuckDB (coaching/state.py) and the `coaching approvals` / `coaching
escalate` commands: idempotent saves, replays that never overwrite decisions, backfill
equivalence, survival of a dbt rebuild, the approval gate and its refusals."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from coaching_pipeline.cli import main
from coaching_pipeline.coaching import approvals, rules, state
from coaching_pipeline.coaching.approvals import ApprovalRefused
from coaching_pipeline.coaching.schema import STATE_TABLES, ensure_schema

from .test_coaching_rules import (
    CFG,
    DEAL_SCHEMA,
    PERF_SCHEMA,
    USERS,
    assessment,
    attainment_frame,
    deal,
    frame,
    md5_id,
    perf,
    week,
)


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schema(connection)
    yield connection
    connection.close()


def snapshot(con) -> dict[str, list[tuple]]:
    """Full contents of every coaching table, in a stable order."""
    return {t: con.execute(f"select * from coaching.{t} order by all").fetchall() for t in STATE_TABLES}


# Weekly scores by rep and skill (weeks 1-6); R1 is an AE of M1, R3 an AM of M2.
SCORES = {
    ("R1", "discovery"): [60, 59, 58, 57, 56, 55],       # escalations at weeks 3 and 6
    ("R1", "closing"): [65, 72, 68, 66, 64, 90],         # resolved at 2; reopened 3; escalated 5; resolved 6
    ("R3", "negotiation"): [50, 56, 55, 54, 53, 52],     # restart at 2 (+12%); escalated at 4
    ("R3", "presentation"): [80, 80, 69, 80, 80, 80],    # one flagged week
}
OVERALL_PCT = {"R1": [10, 10, 10, 10, 10, 10], "R3": [60, 60, 60, 60, 60, 60]}


def week_frame(n: int) -> pl.DataFrame:
    rows = []
    for (rep, skill), scores in SCORES.items():
        role, manager = ("AE", "M1") if rep == "R1" else ("AM", "M2")
        rows.append(assessment(rep, n, skill, scores[n - 1], role=role, manager=manager))
    for rep, pcts in OVERALL_PCT.items():
        role, manager = ("AE", "M1") if rep == "R1" else ("AM", "M2")
        rows.append(assessment(rep, n, "overall", 55.0, role=role, manager=manager, pct=pcts[n - 1]))
    return frame(rows)


# R1's attainment: 30% with 77 - 7 (n - 1) days left -> 42 at week 6 (no), so add a 7th row in tests that need it
ATTAINMENT = attainment_frame([("R1", week(n), 0.30, 77 - 7 * (n - 1)) for n in range(1, 7)])


def run_week(con, n: int) -> dict:
    """What the weekly job does: save the week, then replay everything assessed so far."""
    state.save_assessments(con, week_frame(n))
    assessed = state.read_assessments(con)
    weeks = set(assessed["assessment_date"].to_list())
    attainment = ATTAINMENT.filter(pl.col("assessment_date").is_in(weeks))
    return state.apply_replay(con, rules.replay(assessed, USERS, attainment, CFG))


def event_id(con, rep, pattern, status="open") -> str:
    return con.execute(
        "select coaching_id from coaching.coaching_log where rep_id = ? and pattern_key = ? and status = ? "
        "order by opened_on desc limit 1",
        [rep, pattern, status],
    ).fetchone()[0]


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


# --- approval gate ------------------------------------------------------------------------------


@pytest.fixture
def gated(con):
    """Week 1 saved and replayed: pending events for R1 (manager M1) and R3 (manager M2)."""
    run_week(con, 1)
    return con


@pytest.mark.parametrize(
    ("decision", "args", "status", "approved_action", "note"),
    [
        ("approve", (), "approved", "RECOMMENDED", None),
        ("modify", ("  Role-play discovery with Mia on Friday.  ",), "modified",
         "Role-play discovery with Mia on Friday.", None),
        ("dismiss", ("Already on a ramp plan.",), "dismissed", None, "Already on a ramp plan."),
    ],
)
def test_decisions_record_who_and_when(gated, decision, args, status, approved_action, note):
    cid = event_id(gated, "R1", "skill:discovery")
    recommended = gated.execute("select recommended_action from coaching.coaching_log where coaching_id = ?",
                                [cid]).fetchone()[0]
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    event = getattr(approvals, decision)(gated, cid, "M1", *args)
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    expected_action = recommended if approved_action == "RECOMMENDED" else approved_action
    assert (event["approval_status"], event["decided_by"], event["approved_action"], event["decision_note"]) == (
        status, "M1", expected_action, note)
    assert before <= event["decided_at"] <= after
    assert gated.execute("select coaching_id, rep_id, decision, decided_by, decided_at, action_text, note "
                         "from coaching.decisions").fetchall() == [
        (cid, "R1", status, "M1", event["decided_at"], expected_action, note)]
    # the other events are untouched and still pending
    assert gated.execute("select count(*) from coaching.coaching_log where approval_status = 'pending_approval'"
                         ).fetchone() == (2,)


REFUSALS = {
    "unknown_id": (lambda con, cid: approvals.approve(con, "C000000000000", "M1"), "unknown coaching event"),
    "approve_twice": (lambda con, cid: approvals.approve(con, cid, "M1"), "already decided: approved by M1"),
    "modify_after_approve": (lambda con, cid: approvals.modify(con, cid, "M1", "x"), "already decided"),
    "dismiss_after_approve": (lambda con, cid: approvals.dismiss(con, cid, "M1"), "already decided"),
    "other_manager": (lambda con, cid: approvals.approve(con, event_id(con, "R3", "skill:negotiation"), "M1"),
                      "M1 is not the manager of rep R3 (manager: M2)"),
    "the_rep_itself": (lambda con, cid: approvals.dismiss(con, event_id(con, "R3", "skill:negotiation"), "R3"),
                       "R3 is not the manager of rep R3"),
    "empty_modification": (lambda con, cid: approvals.modify(con, event_id(con, "R3", "skill:negotiation"), "M2", " "),
                           "needs its new text"),
    "escalate_not_manager": (lambda con, cid: approvals.escalate_manually(con, "R1", "M2", "note"),
                             "M2 is not the manager of rep R1 (manager: M1)"),
    "escalate_unknown_rep": (lambda con, cid: approvals.escalate_manually(con, "R404", "M1", "note"), "unknown rep"),
    "escalate_without_note": (lambda con, cid: approvals.escalate_manually(con, "R1", "M1", "  "), "needs a note"),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_refusals_change_nothing(gated, case):
    call, message = REFUSALS[case]
    cid = event_id(gated, "R1", "skill:discovery")
    approvals.approve(gated, cid, "M1")  # one decided event, for the "already decided" cases
    before = snapshot(gated)
    with pytest.raises(ApprovalRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(gated, cid)
    assert snapshot(gated) == before


def test_current_manager_from_int_users_decides(gated):
    # R3 moved from M2 to M5 since the last replay: M5 may decide, M2 may not
    gated.execute("create schema intermediate")
    gated.execute("create table intermediate.int_users as select 'R3' as user_id, 'Rosa Cruz' as user_name, "
                  "'AM' as role, 'M5' as manager_id, 'S2' as slm_id")
    cid = event_id(gated, "R3", "skill:negotiation")
    with pytest.raises(ApprovalRefused, match="M2 is not the manager of rep R3 \\(manager: M5\\)"):
        approvals.approve(gated, cid, "M2")
    assert approvals.approve(gated, cid, "M5")["decided_by"] == "M5"


def test_list_pending(gated):
    pending = approvals.list_pending(gated)
    assert pending.select("rep_id", "rep_name", "manager_id", "pattern_key", "weeks_flagged", "escalated_to_slm").rows() == [
        ("R1", "Rita Ames", "M1", "skill:closing", 1, False),
        ("R1", "Rita Ames", "M1", "skill:discovery", 1, False),
        ("R3", "Rosa Cruz", "M2", "skill:negotiation", 1, False),
    ]
    assert approvals.list_pending(gated, "M2")["rep_id"].to_list() == ["R3"]
    approvals.dismiss(gated, event_id(gated, "R3", "skill:negotiation"), "M2")
    assert approvals.list_pending(gated, "M2").is_empty()
    run_week(gated, 2)  # R1 closing clears at week 2: resolved, no longer listed
    assert approvals.list_pending(gated)["pattern_key"].to_list() == ["skill:discovery"]
    assert approvals.list_pending(gated, include_resolved=True)["pattern_key"].to_list() == [
        "skill:closing", "skill:discovery"]


def test_manual_escalation(gated):
    at = dt.datetime(2025, 1, 8, 9, 30)
    row = approvals.escalate_manually(gated, "R1", "M1", "  Missed three forecast calls.  ", at=at)
    stored = gated.execute(
        "select escalation_id, rep_id, role, rule, pattern_key, coaching_id, escalated_to, manager_id, slm_id, "
        "escalation_date, reason, escalated_by, escalated_at, history from coaching.escalations where rule = 'manual'"
    ).fetchall()
    assert stored == [(
        md5_id("E", "manual", "R1", "M1", "2025-01-08T09:30:00"), "R1", "AE", "manual", "manual", None, "slm",
        "M1", "S1", dt.date(2025, 1, 8), "Missed three forecast calls.", "M1", at,
        json.dumps([{"assessment_date": "2025-01-06", "overall_score": 55.0, "level": "Needs Coaching",
                     "cohort_percentile": 10.0}]),
    )]
    assert row["escalation_id"] == stored[0][0]
    assert gated.execute("select coaching_id, rep_id, decision, decided_by, decided_at, note from coaching.decisions"
                         ).fetchall() == [(None, "R1", "escalated", "M1", at, "Missed three forecast calls.")]


# --- command line -------------------------------------------------------------------------------


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "cli.duckdb"
    connection = duckdb.connect(str(path))
    ensure_schema(connection)
    run_week(connection, 1)
    connection.close()
    return path


def test_cli_list_approve_and_refuse(warehouse, monkeypatch):
    monkeypatch.setenv("COACHING_WAREHOUSE", str(warehouse))
    runner = CliRunner()
    listed = runner.invoke(main, ["approvals", "list", "--manager", "M1"])
    assert listed.exit_code == 0, listed.output
    connection = duckdb.connect(str(warehouse))
    cid = event_id(connection, "R1", "skill:discovery")
    connection.close()
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["ID", "REP", "PATTERN", "WEEKS", "ESCALATED", "RECOMMENDED", "ACTION"]
    line = next(x for x in lines if x.startswith(cid))
    assert "Rita Ames (R1)" in line and "skill:discovery" in line and "bring questions per call from 6.1" in line
    assert lines[-1] == "2 event(s) waiting for approval."
    assert "R3" not in listed.stdout

    approved = runner.invoke(main, ["approvals", "approve", cid, "--by", "M1"])
    assert approved.exit_code == 0, approved.output
    assert approved.stdout.startswith(f"Approved {cid} by M1 at ")
    again = runner.invoke(main, ["approvals", "approve", cid, "--by", "M1"])
    assert again.exit_code == 2
    assert again.stdout == ""
    assert f"refused: coaching event {cid} was already decided: approved by M1" in again.stderr
    assert cid not in runner.invoke(main, ["approvals", "list"]).stdout


def test_cli_modify_dismiss_escalate_with_warehouse_flag(warehouse, monkeypatch):
    monkeypatch.setenv("COACHING_WAREHOUSE", "/nonexistent/elsewhere.duckdb")  # the flag wins
    runner = CliRunner()
    flag = ["--warehouse", str(warehouse)]
    connection = duckdb.connect(str(warehouse))
    closing = event_id(connection, "R1", "skill:closing")
    negotiation = event_id(connection, "R3", "skill:negotiation")
    connection.close()

    wrong = runner.invoke(main, ["approvals", "modify", closing, "--by", "M2", "--action", "Do X", *flag])
    assert wrong.exit_code == 2 and "M2 is not the manager of rep R1" in wrong.stderr
    modified = runner.invoke(main, ["approvals", "modify", closing, "--by", "M1", "--action", "Do X", *flag])
    assert modified.exit_code == 0 and modified.stdout.rstrip().endswith("UTC: Do X")
    dismissed = runner.invoke(main, ["approvals", "dismiss", negotiation, "--by", "M2", "--note", "On leave", *flag])
    assert dismissed.exit_code == 0, dismissed.output
    escalated = runner.invoke(main, ["escalate", "R3", "--by", "M2", "--note", "Asked for help", *flag])
    assert escalated.exit_code == 0 and escalated.stdout.startswith("Escalated R3 to the SLM (S1) as E")
    refused = runner.invoke(main, ["escalate", "R3", "--by", "M1", "--note", "x", *flag])
    assert refused.exit_code == 2 and "M1 is not the manager of rep R3" in refused.stderr
    unknown = runner.invoke(main, ["approvals", "approve", "C-nope", "--by", "M1", *flag])
    assert unknown.exit_code == 2 and "unknown coaching event 'C-nope'" in unknown.stderr
    empty = runner.invoke(main, ["approvals", "list", "--manager", "M2", *flag])
    assert empty.stdout == "No coaching events waiting for approval for manager M2.\n"

    connection = duckdb.connect(str(warehouse))
    assert connection.execute("select coaching_id, decision, decided_by, action_text, note from coaching.decisions "
                              "order by decision_id").fetchall() == [
        (closing, "modified", "M1", "Do X", None),
        (negotiation, "dismissed", "M2", None, "On leave"),
        (None, "escalated", "M2", None, "Asked for help"),
    ]
    connection.close()


def test_cli_without_a_warehouse(tmp_path):
    result = CliRunner().invoke(main, ["approvals", "list", "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "no warehouse at" in result.output
