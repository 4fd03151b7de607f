"""Jobs, schedules (UTC), the landing-zone sensor and the raw freshness checks, evaluated
as Dagster evaluates them, on hand-picked dates and a small landing zone (no dbt)."""

import datetime as dt
import json
import os
import time

import pytest
from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    MetadataValue,
    RunRequest,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
)

from coaching_pipeline.assets.coaching import (
    ASSESSMENTS,
    COACHING_LOG,
    DAILY_FLAGS,
    ESCALATIONS,
    WEEKLY_PARTITIONS,
)
from coaching_pipeline.assets.decisions_store import APPLIED_DECISIONS
from coaching_pipeline.assets.digests import MONTHLY_PARTITIONS
from coaching_pipeline.assets.publish import PUBLISHED_MARTS
from coaching_pipeline.definitions import defs
from coaching_pipeline.resources import LandingZone
from coaching_pipeline.schedules import monthly_digests_schedule
from coaching_pipeline.sensors import landing_zone_sensor

from ..landing import U1, write_activities, write_small_landing

UTC = dt.UTC


def job_keys(name: str) -> set[str]:
    return {k.to_user_string() for k in defs.resolve_job_def(name).asset_layer.selected_asset_keys}


# ---------------------------------------------------------------- jobs


def test_the_code_location_has_the_three_jobs_each_with_its_schedule():
    names = {job.name for job in defs.resolve_all_job_defs()}  # also: no job/op name clash
    assert {"nightly", "weekly_coaching_job", "monthly_digests_job"} <= names
    assert {s.name: s.job_name for s in defs.schedules} == {
        "nightly_schedule": "nightly",
        "weekly_coaching_schedule": "weekly_coaching_job",
        "monthly_digests_schedule": "monthly_digests_job",
    }
    # rendered, then mailed when SMTP is configured
    assert job_keys("monthly_digests_job") == {"digests/monthly_digests", "digests/digest_delivery"}


def test_the_nightly_job_ingests_builds_flags_and_publishes():
    keys = job_keys("nightly")
    graph = defs.resolve_asset_graph()
    layered = {k.to_user_string() for k in graph.get_all_asset_keys()
               if graph.get(k).group_name in ("raw", "staging", "intermediate", "marts")}
    assert len([k for k in layered if k.startswith("raw/")]) == 25
    assert keys == layered | {APPLIED_DECISIONS.to_user_string(), DAILY_FLAGS.to_user_string(),
                              PUBLISHED_MARTS.to_user_string()}
    # the freshness checks are evaluated by their own sensor, not after every load
    checks = defs.resolve_job_def("nightly").asset_layer.asset_graph.asset_check_keys
    assert AssetCheckKey(AssetKey(["raw", "opportunity"]), "every_file_loads") in checks
    assert AssetCheckKey(AssetKey(["raw", "opportunity"]), "freshness_check") not in checks


def test_the_weekly_job_assesses_one_monday_week_then_publishes():
    job = defs.resolve_job_def("weekly_coaching_job")
    assert job_keys("weekly_coaching_job") == {
        k.to_user_string() for k in (APPLIED_DECISIONS, ASSESSMENTS, COACHING_LOG, ESCALATIONS, PUBLISHED_MARTS)}
    assert job.partitions_def == WEEKLY_PARTITIONS


def test_every_job_runs_in_the_single_writer_pool_the_run_queue_enforces():
    for name in ("nightly", "weekly_coaching_job", "monthly_digests_job"):
        pools = {node.pool for node in defs.resolve_job_def(name).graph.node_defs}
        assert pools == {"duckdb_writer"}, name


def test_the_publish_asset_is_downstream_of_the_marts_and_the_daily_flags():
    node = defs.resolve_asset_graph().get(PUBLISHED_MARTS)
    assert node.group_name == "publish"
    assert {AssetKey(["marts", m]) for m in ("rep_performance", "top_performer_patterns", "rep_activities",
                                              "deal_health_scores", "next_best_actions")} | {DAILY_FLAGS} \
        <= node.parent_keys


# ---------------------------------------------------------------- schedules


def test_schedules_are_named_in_utc_on_the_documented_crons():
    schedules = {s.name: s for s in defs.schedules}
    assert schedules["nightly_schedule"].cron_schedule == "0 2 * * *"
    assert schedules["weekly_coaching_schedule"].cron_schedule == "0 4 * * 1"
    assert schedules["monthly_digests_schedule"].cron_schedule == "0 6 1-3 * *"
    for schedule in schedules.values():
        assert schedule.execution_timezone == "UTC", schedule.name


@pytest.mark.parametrize("tick, monday", [
    (dt.datetime(2026, 11, 16, 4, 0, tzinfo=UTC), "2026-11-16"),   # the scheduled tick: its own Monday
    (dt.datetime(2026, 11, 18, 13, 5, tzinfo=UTC), "2026-11-16"),  # started by hand on a Wednesday
    (dt.datetime(2027, 1, 4, 4, 0, tzinfo=UTC), "2027-01-04"),     # first Monday of a year
])
def test_the_weekly_schedule_targets_the_partition_of_its_monday(tick, monday):
    schedule = next(s for s in defs.schedules if s.name == "weekly_coaching_schedule")
    request = schedule(build_schedule_context(scheduled_execution_time=tick))
    assert isinstance(request, RunRequest)
    assert request.partition_key == monday
    assert request.run_key == f"weekly_coaching:{monday}"
    # the partition exists at tick time (the current week is included: end_offset=1)
    assert monday in WEEKLY_PARTITIONS.get_partition_keys(current_time=tick)


@pytest.mark.parametrize("day, expected", [
    ("2026-11-01", None),          # Sunday
    ("2026-11-02", "2026-10-01"),  # Monday: the first business day of November -> October
    ("2026-11-03", None),
    ("2026-08-01", None),          # Saturday
    ("2026-08-02", None),          # Sunday
    ("2026-08-03", "2026-07-01"),  # Monday
    ("2026-12-01", "2026-11-01"),  # Tuesday the 1st
    ("2026-12-02", None),
    ("2027-01-01", "2026-12-01"),  # Friday the 1st: December of the previous year
])
def test_the_monthly_schedule_runs_on_the_first_business_day_for_the_previous_month(day, expected):
    schedule = monthly_digests_schedule
    assert schedule.cron_schedule == "0 6 1-3 * *" and schedule.execution_timezone == "UTC"
    tick = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(6), tzinfo=UTC)
    result = schedule(build_schedule_context(scheduled_execution_time=tick))
    if expected is None:
        assert isinstance(result, SkipReason)
    else:
        assert isinstance(result, RunRequest)
        assert result.partition_key == expected
        assert expected in MONTHLY_PARTITIONS.get_partition_keys(current_time=tick)


# ---------------------------------------------------------------- landing-zone sensor


DELIVERED = 1_767_225_600  # 2026-01-01 00:00 UTC: long settled


def _age(landing):
    """Give every file the same old modification time (settled; unchanged between calls)."""
    for path in landing.rglob("*"):
        if path.is_file():
            os.utime(path, (DELIVERED, DELIVERED))


def _tick(landing, cursor):
    context = build_sensor_context(cursor=cursor, resources={"landing": LandingZone(path=str(landing))})
    result = landing_zone_sensor(context)
    return result.run_requests or [], result.cursor


def test_new_extract_files_start_the_nightly_job_once(tmp_path):
    landing = write_small_landing(tmp_path / "landing")
    (landing / "crm" / "notes.txt").write_text("not an extract")  # the loader ignores it, so does the sensor
    _age(landing)

    first, cursor = _tick(landing, None)
    # 12 Salesforce objects + 5 Gong pages + 1 activity log
    assert len(first) == 1 and first[0].tags["coaching/new_files"] == "18"
    listing = json.loads(cursor)
    assert sorted(listing) == sorted(
        p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file() and p.suffix != ".txt")

    # the same files again: nothing to run
    again, cursor_again = _tick(landing, cursor)
    assert again == [] and json.loads(cursor_again) == listing
    # a repeated evaluation of the same tick (daemon restart) names the same run: Dagster runs it once
    repeat, _ = _tick(landing, None)
    assert repeat[0].run_key == first[0].run_key

    # one new activity file: one run, for that file only
    write_activities(landing, [{"activity_id": "a3", "source": "outreach", "rep_id": U1, "activity_type": "Email",
                                "occurred_at": "2025-01-23T10:00:00Z"}], name="activities_2.csv")
    _age(landing)
    [second], cursor2 = _tick(landing, cursor)
    assert second.tags["coaching/new_files"] == "1"
    assert second.run_key != first[0].run_key
    assert _tick(landing, cursor2)[0] == []


def test_a_file_still_being_written_waits_for_the_next_tick(tmp_path):
    landing = write_small_landing(tmp_path / "landing")
    _age(landing)
    _, cursor = _tick(landing, None)
    path = write_activities(landing, [{"activity_id": "a9", "source": "outreach", "rep_id": U1,
                                       "activity_type": "Call", "occurred_at": "2025-01-24T10:00:00Z"}],
                            name="activities_9.csv")  # modified just now
    assert _tick(landing, cursor)[0] == []
    os.utime(path, (DELIVERED, DELIVERED))
    [request], _ = _tick(landing, cursor)
    assert request.tags["coaching/new_files"] == "1"


def test_a_changed_file_counts_as_new(tmp_path):
    landing = write_small_landing(tmp_path / "landing")
    _age(landing)
    _, cursor = _tick(landing, None)
    path = landing / "activity" / "activities_1.csv"
    path.write_text(path.read_text() + f"a4,outreach,{U1},Email,2025-01-25T10:00:00Z,\n")
    _age(landing)
    [request], _ = _tick(landing, cursor)
    assert request.tags["coaching/new_files"] == "1"


def test_an_empty_landing_zone_starts_nothing(tmp_path):
    requests, cursor = _tick(tmp_path, None)
    assert requests == [] and json.loads(cursor) == {}


# ---------------------------------------------------------------- freshness


def test_raw_freshness_checks_warn_when_no_extract_arrived_for_a_day():
    now = time.time()
    with DagsterInstance.ephemeral() as instance:
        # an ingestion reporting when its newest extract loaded (dagster/last_updated_timestamp) ...
        instance.report_runless_asset_event(AssetMaterialization(
            AssetKey(["raw", "opportunity"]),
            metadata={"dagster/last_updated_timestamp": MetadataValue.timestamp(now - 26 * 3600)}))
        instance.report_runless_asset_event(AssetMaterialization(
            AssetKey(["raw", "account"]),
            metadata={"dagster/last_updated_timestamp": MetadataValue.timestamp(now - 3 * 3600)}))
        # ... or just materialized now
        instance.report_runless_asset_event(AssetMaterialization(AssetKey(["raw", "contact"])))
        keys = {AssetCheckKey(AssetKey(["raw", name]), "freshness_check")
                for name in ("opportunity", "account", "contact", "task")}
        job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection=set(), asset_check_selection=keys)
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    evaluations = {e.event_specific_data.asset_key.path[-1]: e.event_specific_data
                   for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert {name: e.passed for name, e in evaluations.items()} == {
        "opportunity": False,  # last extract 26 hours ago
        "account": True,
        "contact": True,
        "task": False,         # never loaded
    }
    assert {e.severity for e in evaluations.values()} == {AssetCheckSeverity.WARN}
    assert result.success  # a warning never fails the run


def test_every_raw_asset_has_a_freshness_check_and_a_sensor_evaluates_them():
    checks = defs.resolve_asset_graph().asset_check_keys
    raw = {k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] == "raw"}
    assert {AssetCheckKey(k, "freshness_check") for k in raw} <= checks
    assert "raw_freshness_sensor" in {s.name for s in defs.sensors}


@pytest.mark.parametrize("as_of, month", [
    ("2026-11-13", "2026-10-01"),  # mid-month: the previous month is the last complete one
    ("2026-11-30", "2026-11-01"),  # the month's last day completes it
    ("2026-01-01", "2025-12-01"),  # across the year
    ("2024-02-29", "2024-02-01"),  # leap day
])
def test_coaching_run_renders_the_last_complete_month(as_of, month):
    from coaching_pipeline.runner import digest_month

    assert digest_month(dt.date.fromisoformat(as_of)).isoformat() == month
