"""The weekly coaching job on the S sample through Dagster: several weeks of assessments
produce the escalation, resolution and clock reset the generator planted; weeks run out
of order give the same log; a rebuild of the dbt schemas leaves the coaching state intact."""

import datetime as dt

import pytest
from dagster import DagsterInstance

from coaching_pipeline.config import resolve_paths
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.definitions import build_definitions
from coaching_pipeline.runner import weeks_to_assess

from .conftest import SAMPLE_AS_OF
from .warehouse import dbt

# The week containing as_of and the 12 before it: what `coaching run` assesses on a new install.
WEEKS = weeks_to_assess(SAMPLE_AS_OF, history_empty=True, backfill_weeks=12)

# Modules on the shared S sample run in one worker, so it is built once.
pytestmark = pytest.mark.xdist_group("sample")


def run_weeks(landing, warehouse, weeks):
    defs = build_definitions(resolve_paths(str(landing), str(warehouse), str(warehouse.parent / "out"),
                                           SAMPLE_AS_OF))
    job = defs.resolve_job_def("weekly_coaching_job")
    with DagsterInstance.ephemeral() as instance:
        for week in weeks:
            result = job.execute_in_process(instance=instance, partition_key=week.isoformat())
            assert result.success, week


def state_tables(warehouse):
    con = open_warehouse(warehouse, read_only=True)
    try:
        return {
            "coaching_log": con.execute(
                "select * exclude (decided_at) from coaching.coaching_log order by coaching_id").fetchall(),
            "coaching_history": con.execute(
                "select * from coaching.coaching_history order by all").fetchall(),
            "escalations": con.execute(
                "select * exclude (escalated_at) from coaching.escalations order by escalation_id").fetchall(),
            "skill_assessment_log": con.execute(
                "select * exclude (assessed_at) from coaching.skill_assessment_log order by all").fetchall()
            if _has_column(con, "skill_assessment_log", "assessed_at") else con.execute(
                "select * from coaching.skill_assessment_log order by all").fetchall(),
        }
    finally:
        con.close()


def _has_column(con, table, column):
    return bool(con.execute(
        "select count(*) from information_schema.columns where table_schema='coaching' and table_name=? and column_name=?",
        [table, column]).fetchone()[0])


@pytest.fixture(scope="module")
def thirteen_weeks(sample_built, tmp_path_factory):
    import shutil

    landing, warehouse, _ = sample_built
    copy = tmp_path_factory.mktemp("coaching") / "coaching.duckdb"
    shutil.copy(warehouse, copy)
    run_weeks(landing, copy, WEEKS)
    return landing, copy


def test_weeks_to_assess_on_a_new_install_and_after():
    friday = dt.date(2026, 11, 13)
    assert weeks_to_assess(friday, history_empty=False, backfill_weeks=12) == [dt.date(2026, 11, 9)]
    weeks = weeks_to_assess(friday, history_empty=True, backfill_weeks=2)
    assert weeks == [dt.date(2026, 10, 26), dt.date(2026, 11, 2), dt.date(2026, 11, 9)]


def test_every_seller_is_assessed_each_week(thirteen_weeks):
    _, warehouse = thirteen_weeks
    con = open_warehouse(warehouse, read_only=True)
    per_week = con.execute(
        "select assessment_date, count(distinct rep_id), count(*) from coaching.skill_assessment_log group by 1 order by 1"
    ).fetchall()
    con.close()
    assert [w for w, _, _ in per_week] == WEEKS
    assert {(reps, rows) for _, reps, rows in per_week} == {(40, 40 * 7)}  # six skills + overall


def test_the_planted_patterns_escalate_resolve_and_reset(thirteen_weeks):
    _, warehouse = thirteen_weeks
    con = open_warehouse(warehouse, read_only=True)
    escalated = con.execute(
        "select count(*) from coaching.escalations where rule = 'persistence' and escalated_to = 'slm'").fetchone()[0]
    resolved = con.execute(
        "select count(*) from coaching.coaching_log where status = 'resolved' and improvement_detected").fetchone()[0]
    resets = con.execute("select count(*) from coaching.coaching_history where clock_reset").fetchone()[0]
    pending = con.execute(
        "select count(*) from coaching.coaching_log where approval_status = 'pending_approval'").fetchone()[0]
    # every escalation row carries the pattern's weekly history
    histories = con.execute(
        "select history from coaching.escalations where rule = 'persistence' limit 1").fetchone()[0]
    con.close()
    assert escalated >= 1
    assert resolved >= 1
    assert resets >= 1
    assert pending >= 1
    assert histories.startswith("[")


def test_weeks_run_out_of_order_give_the_same_log(sample_built, thirteen_weeks, tmp_path):
    import shutil

    landing, warehouse, _ = sample_built
    subset = WEEKS[-6:]
    shuffled = [subset[i] for i in (3, 0, 5, 1, 4, 2)]
    in_order, out_of_order = tmp_path / "a" / "w.duckdb", tmp_path / "b" / "w.duckdb"
    for path, weeks in ((in_order, subset), (out_of_order, shuffled)):
        path.parent.mkdir()
        shutil.copy(warehouse, path)
        run_weeks(landing, path, weeks)
    assert state_tables(in_order) == state_tables(out_of_order)
    # running a week again changes nothing
    before = state_tables(in_order)
    run_weeks(landing, in_order, [subset[2]])
    assert state_tables(in_order) == before


def test_a_full_rebuild_of_the_marts_leaves_the_coaching_state_intact(thirteen_weeks):
    _, warehouse = thirteen_weeks
    before = state_tables(warehouse)
    dbt(["build", "--full-refresh"], warehouse, SAMPLE_AS_OF)
    assert state_tables(warehouse) == before
