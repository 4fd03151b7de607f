"""Coaching state is written only up to the run's as_of and never beyond today
(coaching/state_dates.py), and `coaching state purge --after DATE` repairs what a past
mistake wrote for later dates (coaching/purge.py): exact counts, a dry run that changes
nothing, a coaching log equal to a fresh replay, one audit row, the command line."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner
from dagster import AssetSelection, DagsterInstance, Definitions, define_asset_job
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from coaching_pipeline.assets.coaching import WEEKLY_PARTITIONS, weekly_coaching
from coaching_pipeline.cli import main
from coaching_pipeline.coaching import approvals, evidence, purge, rules, schema, state
from coaching_pipeline.coaching.purge import PurgeRefused
from coaching_pipeline.coaching.state_dates import FutureStateDate, check_weeks
from coaching_pipeline.resources import RunSettings, Warehouse

from .helpers import (
    ATTAINMENT,
    CFG,
    DEAL_SCHEMA,
    PERF_SCHEMA,
    USERS,
    deal,
    perf,
    run_week,
    snapshot,
    week,
    week_frame,
)

# the `con` fixture (an empty coaching schema in a temporary warehouse) is in conftest.py

TODAY = dt.date(2026, 12, 6)
FAR = dt.date(2099, 12, 31)  # a "today" that lets a test write the mistake the guard now refuses
MISTAKE = [dt.date(2099, 1, 5) + dt.timedelta(weeks=k) for k in range(3)]  # Mondays of 2099


def replayer(connection) -> rules.Replay:
    """The replay run_week persists (hand-made users and attainment instead of the dbt models)."""
    assessed = state.read_assessments(connection)
    weeks = set(assessed["assessment_date"].to_list())
    return rules.replay(assessed, USERS, ATTAINMENT.filter(pl.col("assessment_date").is_in(weeks)), CFG)


def flags_on(day: dt.date) -> pl.DataFrame:
    """A large red deal of R1 (one flag), and R1 at 45% of quota (a flag when fewer than 42
    days of the quarter are left)."""
    quarter_end = dt.date(day.year, 3, 31) if day.month <= 3 else dt.date(day.year, 12, 31)
    performance = pl.DataFrame([perf("R1", "AE", 0.45, quarter_end=quarter_end)], schema=PERF_SCHEMA)
    deals = pl.DataFrame([deal("O1", "R1", 150_000, "red")], schema=DEAL_SCHEMA)
    return rules.daily_flags(performance, deals, day, CFG)


def write_mistake(connection) -> None:
    """What the 2099 activity did before the guard: weeks of 2099 assessed and replayed,
    daily flags raised on a 2099 run date."""
    for monday, n in zip(MISTAKE, (4, 5, 6), strict=True):
        frame = week_frame(n).with_columns(pl.lit(monday).alias("assessment_date"))
        state.save_assessments(connection, frame, today=FAR)
    state.apply_replay(connection, replayer(connection), today=FAR)
    state.save_daily_flags(connection, flags_on(dt.date(2099, 3, 4)), today=FAR)


def log_rows(connection) -> pl.DataFrame:
    return connection.execute(
        f"select {', '.join(rules.EVENT_SCHEMA)} from coaching.coaching_log order by coaching_id").pl()


def assert_log_is_a_fresh_replay(connection) -> None:
    """coaching_log, coaching_history and the automatic escalations equal the replay of the
    weeks left (decision columns aside: the replay never touches them)."""
    fresh = replayer(connection)
    assert log_rows(connection).equals(fresh.events.sort("coaching_id"))
    history = connection.execute(
        f"select {', '.join(rules.HISTORY_SCHEMA)} from coaching.coaching_history order by all").fetchall()
    assert history == fresh.history.sort(list(rules.HISTORY_SCHEMA)).rows()
    escalations = connection.execute(
        "select escalation_id from coaching.escalations where rule <> 'manual' order by 1").fetchall()
    assert escalations == sorted((e,) for e in fresh.escalations["escalation_id"].to_list())


# --- the guard --------------------------------------------------------------------------------


def test_an_assessment_after_today_is_refused_and_writes_nothing(con):
    run_week(con, 1)
    before = snapshot(con)
    future = week_frame(2).with_columns(pl.lit(dt.date(2099, 1, 5)).alias("assessment_date"))
    with pytest.raises(FutureStateDate) as refused:
        state.save_assessments(con, future, today=TODAY)
    assert str(refused.value) == (
        "refused to write coaching.skill_assessment_log rows with assessment_date 2099-01-05: after today "
        "(2026-12-06, UTC) (the run's as_of: not set; today: 2026-12-06, UTC). Nothing was written. Coaching "
        "state is only written up to the run's as_of and never beyond today: check the dates in the extracts "
        "or the --as-of given, then run again. State already written for later dates is removed with: "
        "coaching state purge --after 2026-12-06 --dry-run (then without --dry-run)"
    )
    with pytest.raises(FutureStateDate, match="after today"):  # today from the clock
        state.save_assessments(con, future)
    assert snapshot(con) == before


def test_an_assessment_after_the_runs_as_of_is_refused_and_writes_nothing(con):
    assert state.save_assessments(con, week_frame(1), as_of=week(1), today=TODAY) == 6
    before = snapshot(con)
    two_weeks = pl.concat([week_frame(2), week_frame(3)])
    with pytest.raises(FutureStateDate) as refused:
        state.save_assessments(con, two_weeks, as_of=week(1), today=TODAY)
    assert str(refused.value).startswith(
        "refused to write coaching.skill_assessment_log rows with assessment_date 2025-01-13..2025-01-20: "
        "after the run's as_of (2025-01-06) (the run's as_of: 2025-01-06; today: 2026-12-06, UTC). "
        "Nothing was written."
    )
    assert str(refused.value).endswith("coaching state purge --after 2025-01-06 --dry-run (then without --dry-run)")
    assert snapshot(con) == before


def test_flags_events_and_escalations_after_today_are_refused(con):
    run_week(con, 1)
    before = snapshot(con)
    with pytest.raises(FutureStateDate, match=r"daily_flags rows with flag_date 2099-03-04: after the run's "
                                              r"as_of \(2099-03-03\) and after today \(2026-12-06, UTC\)"):
        state.save_daily_flags(con, flags_on(dt.date(2099, 3, 4)), as_of=dt.date(2099, 3, 3), today=TODAY)
    with pytest.raises(FutureStateDate, match="manual escalation of R1 dated 2099-01-01: after today"):
        approvals.escalate_manually(con, "R1", "M1", "note", at=dt.datetime(2099, 1, 1, 9))
    # a replay of a log holding a 2099 week would write events dated 2099
    late = rules.replay(week_frame(2).with_columns(pl.lit(dt.date(2099, 1, 5)).alias("assessment_date")),
                        USERS, None, CFG)
    with pytest.raises(FutureStateDate, match=r"coaching_log rows with opened_on 2099-01-05: after today"):
        state.apply_replay(con, late, today=TODAY)
    assert snapshot(con) == before
    assert state.save_daily_flags(con, flags_on(dt.date(2025, 2, 19)), as_of=dt.date(2025, 2, 19), today=TODAY) == 2


def test_a_weekly_partition_after_today_is_refused_before_the_warehouse_is_opened(tmp_path):
    with pytest.raises(FutureStateDate, match=r"refused to assess the weekly partition\(s\) of 2099-01-05\.\.2099-01-19: "
                                              r"after today \(2026-12-06, UTC\)"):
        check_weeks(MISTAKE, today=TODAY)
    check_weeks([dt.date(2026, 11, 30)], as_of=dt.date(2026, 12, 1), today=TODAY)

    # Dagster runs a range past its last partition and fails only when it records the output
    warehouse = tmp_path / "never-opened.duckdb"
    job = define_asset_job("weekly", AssetSelection.assets(weekly_coaching), partitions_def=WEEKLY_PARTITIONS)
    defs = Definitions(assets=[weekly_coaching], jobs=[job], resources={
        "warehouse": Warehouse(path=str(warehouse)), "run": RunSettings(output_dir=str(tmp_path / "out"))})
    result = defs.resolve_job_def("weekly").execute_in_process(
        instance=DagsterInstance.ephemeral(), raise_on_error=False,
        tags={ASSET_PARTITION_RANGE_START_TAG: "2099-01-05", ASSET_PARTITION_RANGE_END_TAG: "2099-03-30"})
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "refused to assess the weekly partition(s) of 2099-01-05..2099-03-30: after today" in (
        failure.event_specific_data.error.to_string())
    assert not warehouse.exists()


# --- purge ----------------------------------------------------------------------------------------


@pytest.fixture
def six_weeks(con):
    """Weeks 1-6 replayed, flags on 2025-01-08 and 2025-02-19, the week-3 closing event
    approved, a manual escalation on 2025-02-01."""
    for n in range(1, 7):
        run_week(con, n)
    state.save_daily_flags(con, flags_on(dt.date(2025, 1, 8)))
    state.save_daily_flags(con, flags_on(dt.date(2025, 2, 19)))
    closing = con.execute("select coaching_id from coaching.coaching_log where pattern_key = 'skill:closing' "
                          "and opened_on = ?", [week(3)]).fetchone()[0]
    approvals.approve(con, closing, "M1")
    approvals.escalate_manually(con, "R1", "M1", "Lost a key account.", at=dt.datetime(2025, 2, 1, 10))
    return con


def counts(connection) -> dict[str, int]:
    return {t: connection.execute(f"select count(*) from coaching.{t}").fetchone()[0] for t in schema.STATE_TABLES}


EXPECTED_AFTER_WEEK_2 = [
    "Removed 24 rows from coaching.skill_assessment_log (assessment dates 2025-01-20..2025-02-10)",
    "Removed 2 rows from coaching.coaching_log (events opened 2025-01-20)",
    "Re-derived 2 rows of coaching.coaching_log from the weeks up to 2025-01-13 (events last assessed 2025-02-10)",
    "Removed 14 rows from coaching.coaching_history (assessment dates 2025-01-20..2025-02-10)",
    "Removed 5 rows from coaching.escalations (escalation dates 2025-01-20..2025-02-10)",
    "Removed 2 rows from coaching.daily_flags (flag date 2025-02-19)",
    "Kept 1 row of coaching.decisions about the removed events (managers' decisions are an audit and are never purged)",
    "Kept 1 manual escalation in coaching.escalations dated after 2025-01-13 (a manager's action, not derived "
    "from assessments)",
]


def test_dry_run_reports_exact_counts_and_changes_nothing(six_weeks):
    before = snapshot(six_weeks)
    assert counts(six_weeks) == {"skill_assessment_log": 36, "coaching_log": 5, "coaching_history": 20,
                                 "escalations": 6, "daily_flags": 3, "decisions": 2}
    result = purge.purge(six_weeks, week(2), dry_run=True, by="ops", replay=replayer, today=TODAY)
    assert result.lines() == [
        line.replace("Removed", "Would remove").replace("Re-derived", "Would re-derive")
        for line in EXPECTED_AFTER_WEEK_2
    ] + ["Dry run: nothing was changed. Run it again without --dry-run to apply it."]
    assert result.purge_id is None
    assert snapshot(six_weeks) == before
    assert six_weeks.execute("select count(*) from information_schema.tables "
                             "where table_name = 'state_purges'").fetchone() == (0,)  # dry runs are not audited


def test_purge_removes_the_later_rows_keeps_the_earlier_and_replays_the_rest(six_weeks):
    at = dt.datetime(2026, 12, 6, 8, 30)
    kept_flags = six_weeks.execute(
        "select * from coaching.daily_flags where flag_date <= ? order by all", [week(2)]).fetchall()
    kept_assessments = six_weeks.execute(
        "select * from coaching.skill_assessment_log where assessment_date <= ? order by all", [week(2)]).fetchall()
    result = purge.purge(six_weeks, week(2), by="ops", replay=replayer, today=TODAY, at=at)
    assert result.lines() == EXPECTED_AFTER_WEEK_2 + [
        "Recorded as purge 1 in coaching.state_purges (by ops at 2026-12-06 08:30:00 UTC)."]

    assert counts(six_weeks) == {"skill_assessment_log": 12, "coaching_log": 3, "coaching_history": 6,
                                 "escalations": 1, "daily_flags": 1, "decisions": 2}
    assert six_weeks.execute("select * from coaching.skill_assessment_log order by all").fetchall() == kept_assessments
    assert six_weeks.execute("select * from coaching.daily_flags order by all").fetchall() == kept_flags
    assert six_weeks.execute("select rule from coaching.escalations").fetchall() == [("manual",)]
    assert six_weeks.execute(
        "select rep_id, pattern_key, opened_on, weeks_flagged, status, resolution_date, approval_status "
        "from coaching.coaching_log order by rep_id, pattern_key"
    ).fetchall() == [
        ("R1", "skill:closing", week(1), 1, "resolved", week(2), "pending_approval"),
        ("R1", "skill:discovery", week(1), 2, "open", None, "pending_approval"),
        ("R3", "skill:negotiation", week(1), 1, "open", None, "pending_approval"),  # clock restarted at week 2
    ]
    assert_log_is_a_fresh_replay(six_weeks)

    # the same state as a warehouse that only ever ran weeks 1 and 2 (the audits aside)
    fresh = duckdb.connect()
    schema.ensure_schema(fresh)
    run_week(fresh, 1)
    run_week(fresh, 2)
    for table in ("skill_assessment_log", "coaching_log", "coaching_history"):
        assert snapshot(six_weeks)[table] == snapshot(fresh)[table]
    fresh.close()

    assert six_weeks.execute("select * from coaching.state_purges").fetchall() == [(
        1, at, week(2), "ops",
        json.dumps({"skill_assessment_log": 24, "coaching_log": 2, "coaching_history": 14, "escalations": 5,
                    "daily_flags": 2, "decisions": 0}),
        json.dumps({"skill_assessment_log": 0, "coaching_log": 2, "coaching_history": 0, "escalations": 0,
                    "daily_flags": 0, "decisions": 0}),
        False,
    )]
    # nothing left to purge: nothing changes, nothing is audited
    again = purge.purge(six_weeks, week(2), by="ops", replay=replayer, today=TODAY)
    assert again.lines() == [EXPECTED_AFTER_WEEK_2[-1], "Nothing to remove: no assessment, flag or state derived "
                             "from them is dated after 2025-01-13."]
    assert six_weeks.execute("select count(*) from coaching.state_purges").fetchone() == (1,)


def test_purge_repairs_the_2099_mistake(con):
    for n in (1, 2, 3):
        run_week(con, n)
    good = snapshot(con)
    write_mistake(con)
    assert con.execute("select count(*) from coaching.skill_assessment_log where assessment_date > ?",
                       [TODAY]).fetchone() == (18,)
    # until it is purged, the next weekly replay is refused rather than carrying 2099 on
    with pytest.raises(FutureStateDate, match="purge --after 2026-12-06"):
        state.apply_replay(con, replayer(con), today=TODAY)

    result = purge.purge(con, TODAY, by="ops", replay=replayer, today=TODAY, at=dt.datetime(2026, 12, 6, 9))
    assert result.lines() == [
        "Removed 18 rows from coaching.skill_assessment_log (assessment dates 2099-01-05..2099-01-19)",
        "Re-derived 4 rows of coaching.coaching_log from the weeks up to 2026-12-06 "
        "(events last assessed 2099-01-05..2099-01-19)",
        "Removed 10 rows from coaching.coaching_history (assessment dates 2099-01-05..2099-01-19)",
        "Removed 4 rows from coaching.escalations (escalation dates 2099-01-05..2099-01-19)",
        "Removed 2 rows from coaching.daily_flags (flag date 2099-03-04)",
        "Recorded as purge 1 in coaching.state_purges (by ops at 2026-12-06 09:00:00 UTC).",
    ]
    assert snapshot(con) == good
    assert_log_is_a_fresh_replay(con)


def test_purge_refuses_a_date_after_today(six_weeks):
    before = snapshot(six_weeks)
    with pytest.raises(PurgeRefused, match=r"--after 2099-01-01 is after today \(2026-12-06, UTC\)"):
        purge.purge(six_weeks, dt.date(2099, 1, 1), replay=replayer, today=TODAY)
    assert snapshot(six_weeks) == before


# --- command line ---------------------------------------------------------------------------------


def create_evidence_tables(connection) -> None:
    """The dbt models the weekly job's replay reads: the users, every other model empty."""
    users = USERS.with_columns(is_seller=pl.col("role").is_in(["AE", "AM"]), is_active=pl.lit(True),
                               team_id=pl.lit("T1"))
    for name, query in evidence.QUERIES.items():
        table = query.split()[1]
        connection.execute(f"create schema if not exists {table.split('.')[0]}")
        frame = evidence.conform(users if name == "users" else None, evidence.SCHEMAS[name])
        connection.register("_frame", frame.to_arrow())
        connection.execute(f"create table {table} as select * from _frame")
        connection.unregister("_frame")


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "cli.duckdb"
    connection = duckdb.connect(str(path))
    schema.ensure_schema(connection)
    create_evidence_tables(connection)
    for n in range(1, 5):
        run_week(connection, n)
    connection.close()
    return path


def test_cli_purge_dry_run_then_purge(warehouse):
    runner = CliRunner()
    flag = ["--warehouse", str(warehouse)]
    dry = runner.invoke(main, ["state", "purge", "--after", "2025-01-20", "--dry-run", *flag])
    assert dry.exit_code == 0, dry.output
    expected = [
        "Would remove 6 rows from coaching.skill_assessment_log (assessment date 2025-01-27)",
        "Would re-derive 4 rows of coaching.coaching_log from the weeks up to 2025-01-20 "
        "(events last assessed 2025-01-27)",
        "Would remove 4 rows from coaching.coaching_history (assessment date 2025-01-27)",
        "Would remove 1 row from coaching.escalations (escalation date 2025-01-27)",
    ]
    assert dry.stdout.splitlines() == expected + [
        "Dry run: nothing was changed. Run it again without --dry-run to apply it."]

    done = runner.invoke(main, ["state", "purge", "--after", "2025-01-20", "--by", "alice", *flag])
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[:-1] == [line.replace("Would remove", "Removed").replace("Would re-derive", "Re-derived")
                          for line in expected]
    assert lines[-1].startswith("Recorded as purge 1 in coaching.state_purges (by alice at ")
    connection = duckdb.connect(str(warehouse))
    assert state.assessed_weeks(connection) == [week(1), week(2), week(3)]
    assert connection.execute("select purged_by, after_date, dry_run from coaching.state_purges").fetchall() == [
        ("alice", week(3), False)]
    assert_log_is_a_fresh_replay(connection)
    connection.close()


def test_cli_purge_refuses_an_invalid_or_future_date(warehouse):
    runner = CliRunner()
    flag = ["--warehouse", str(warehouse)]
    invalid = runner.invoke(main, ["state", "purge", "--after", "2025-13-01", *flag])
    assert invalid.exit_code == 2
    assert "--after" in invalid.stderr and "2025-13-01" in invalid.stderr and "Traceback" not in invalid.output
    future = runner.invoke(main, ["state", "purge", "--after", "2099-01-01", "--dry-run", *flag])
    assert future.exit_code == 2 and future.stdout == ""
    assert future.stderr.startswith("refused: --after 2099-01-01 is after today (")


def test_cli_purge_without_the_dbt_models_is_refused(tmp_path):
    path = tmp_path / "bare.duckdb"
    connection = duckdb.connect(str(path))
    schema.ensure_schema(connection)
    run_week(connection, 1)
    before = snapshot(connection)
    connection.close()
    result = CliRunner().invoke(main, ["state", "purge", "--after", "2025-01-01", "--warehouse", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        "refused: the coaching log is replayed from the dbt models, and the warehouse lacks intermediate.int_deal_facts, "
        "intermediate.int_gong_calls, intermediate.int_quota_periods, intermediate.int_users, "
        "staging.stg_gong__scorecard_answers, staging.stg_gong__scorecard_questions, "
        "staging.stg_salesforce__opportunity_field_history, staging.stg_salesforce__opportunity_history, "
        "staging.stg_salesforce__opportunity_line_items: "
        "build them first with: coaching run\n"
    )
    connection = duckdb.connect(str(path))
    assert snapshot(connection) == before
    connection.close()
