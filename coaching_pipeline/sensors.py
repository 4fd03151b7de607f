"""Sensors: new extracts in the landing zone start the nightly job; the raw assets'
freshness checks warn when no extract arrived for a day.

Landing-zone sensor. Every minute it lists the files the loader would pick up (the same
discovery rules: crm/<Object>*.csv|parquet|jsonl, gong/<endpoint>*.json,
activity/activities*), each with its size and modification time. Its cursor holds the
listing of the previous tick; files that are new or changed since start one nightly run
whose run key is a hash of that set of files, so the same files never start two runs (a
repeated evaluation of the same tick, or a restarted daemon, yields the same run key,
which Dagster runs once). A file modified less than SETTLE_SECONDS ago may still be
being written: it waits for the next tick.

Freshness. Each raw asset has a last-update freshness check (WARN severity) that fails
when the asset's last update is more than a day old; `raw_freshness_sensor` evaluates
them. An ingestion asset's update time is its materialization time, or the
`dagster/last_updated_timestamp` it reports (the time its newest extract file loaded).

Run-failure alerts. `run_failure_alerts` reports every failed run of this code location
(its jobs and the asset runs launched from the UI) to the webhook and ops mailbox of
alerts.py: job, failed steps with their first error line, and the link to the run.
"""

import datetime as dt
import hashlib
import json
import time
import warnings
from pathlib import Path

from dagster import (
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    DagsterEventType,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    SupersessionWarning,
    build_last_update_freshness_checks,
    build_sensor_for_freshness_checks,
    multi_asset_check,
    run_failure_sensor,
    sensor,
)

from .alerts import AlertDeliveryError, deliver, failure_report
from .ingest import configured_objects
from .ingest.readers import discover
from .jobs import nightly_job
from .resources import WRITER_POOL, LandingZone
from .schedules import automation_on

SETTLE_SECONDS = 60
SENSOR_INTERVAL_SECONDS = 60
FRESHNESS_WINDOW = dt.timedelta(days=1)


def _default_sensor_status() -> DefaultSensorStatus:
    return DefaultSensorStatus.RUNNING if automation_on() else DefaultSensorStatus.STOPPED


def landing_listing(landing: Path, settle_seconds: float = SETTLE_SECONDS, now: float | None = None
                    ) -> dict[str, list[int]]:
    """{path relative to the landing root: [size in bytes, mtime in ns]} of every file the
    loader would read, leaving out files modified less than `settle_seconds` ago."""
    now = time.time() if now is None else now
    listing = {}
    for obj in configured_objects():
        for path in discover(landing, obj):
            stat = path.stat()
            if now - stat.st_mtime < settle_seconds:
                continue
            listing[path.relative_to(landing).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return dict(sorted(listing.items()))


def new_files(listing: dict[str, list[int]], cursor: str | None) -> dict[str, list[int]]:
    """The files of `listing` that are not in the cursor's listing, or changed since."""
    seen = json.loads(cursor) if cursor else {}
    return {path: sig for path, sig in listing.items() if seen.get(path) != sig}


def run_key(files: dict[str, list[int]]) -> str:
    """A stable name for a set of files (path, size, mtime)."""
    payload = json.dumps(sorted(files.items()), separators=(",", ":"))
    return "landing:" + hashlib.sha256(payload.encode()).hexdigest()[:32]


@sensor(
    name="landing_zone_sensor",
    job=nightly_job,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=_default_sensor_status(),
    description="Starts the nightly job when new extract files arrive in the landing zone (once per set of files).",
)
def landing_zone_sensor(context: SensorEvaluationContext, landing: LandingZone):
    listing = landing_listing(landing.folder)
    arrived = new_files(listing, context.cursor)
    # The cursor is the whole current listing: a file removed and delivered again counts
    # as new (the loader still skips a file already loaded with the same checksum).
    cursor = json.dumps(listing, separators=(",", ":"))
    if not arrived:
        return SensorResult(skip_reason=SkipReason(f"no new extract files in {landing.folder}"), cursor=cursor)
    names = sorted(arrived)
    context.log.info(f"{len(names)} new extract files: {', '.join(names[:20])}{' ...' if len(names) > 20 else ''}")
    return SensorResult(
        run_requests=[RunRequest(
            run_key=run_key(arrived),
            tags={"coaching/trigger": "landing_zone", "coaching/new_files": str(len(names))},
        )],
        cursor=cursor,
    )


RAW_KEYS = [AssetKey(["raw", obj.name]) for obj in configured_objects()]
FRESHNESS_DESCRIPTION = (
    "Warns when no extract of this object has loaded for more than a day (the time its newest file "
    "loaded, or the asset's last materialization): the nightly delivery is late or stopped. A warning: "
    "nothing fails, the marts are built from what is there."
)


def _raw_freshness_checks():
    """Dagster's last-update freshness checks on every raw asset (WARN when the last update
    is more than FRESHNESS_WINDOW old), as one multi-check named `raw_freshness_checks` in
    the writer pool like every other node of the code location (it only reads the
    instance, so waiting for a writer costs nothing)."""
    with warnings.catch_warnings():
        # Dagster 1.13 marks the factory "superseded" by FreshnessPolicy, which judges an
        # asset by its last materialization only; the check honours the
        # dagster/last_updated_timestamp an ingestion run reports, so a nightly run that
        # loaded no new file does not count as an extract that arrived.
        warnings.simplefilter("ignore", SupersessionWarning)
        (built,) = build_last_update_freshness_checks(
            assets=RAW_KEYS, lower_bound_delta=FRESHNESS_WINDOW, severity=AssetCheckSeverity.WARN
        )
    # The specs keep the freshness parameters build_sensor_for_freshness_checks looks for;
    # only Dagster's description ("Evaluates freshness for targeted asset.") is replaced.
    specs = [AssetCheckSpec(spec.name, asset=spec.asset_key, description=FRESHNESS_DESCRIPTION,
                            additional_deps=spec.additional_deps, blocking=spec.blocking, metadata=spec.metadata)
             for spec in built.check_specs]
    return [multi_asset_check(specs=specs, can_subset=True, name="raw_freshness_checks",
                              pool=WRITER_POOL)(built.op.compute_fn.decorated_fn)]


raw_freshness_checks = _raw_freshness_checks()

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SupersessionWarning)
    raw_freshness_sensor = build_sensor_for_freshness_checks(
        freshness_checks=raw_freshness_checks,
        name="raw_freshness_sensor",
        minimum_interval_seconds=15 * 60,
        default_status=_default_sensor_status(),
    )


@run_failure_sensor(
    name="run_failure_alerts",
    # No monitored_jobs: every run of this code location, the three jobs and the asset
    # runs started from the UI alike; runs of other code locations are theirs to report.
    monitor_all_code_locations=False,
    default_status=_default_sensor_status(),
    description="Posts each failed run (job, failed steps with their first error line, link) to "
    "COACHING_ALERT_WEBHOOK_URL and mails it to the ops addresses when COACHING_SMTP_URL is set.",
)
def run_failure_alerts(context: RunFailureSensorContext):
    run, instance = context.dagster_run, context.instance
    steps = instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_FAILURE)
    report = failure_report(instance.get_run_record_by_id(run.run_id) or run, [context.failure_event, *steps])
    done = deliver(report)
    for note in done.notes:
        context.log.info(f"run {run.run_id}: {note}")
    if not (done.webhook or done.mailed_to or done.errors):
        # Not an error: a development instance has no channel. Said once per failed run.
        context.log.warning(f"run {run.run_id} of {run.job_name} failed; no alert channel is configured "
                            "(COACHING_ALERT_WEBHOOK_URL, or COACHING_SMTP_URL with ops addresses)")
        return
    context.log.info(f"run {run.run_id} of {run.job_name} failed: {done.summary()}")
    if done.errors:
        # Raising marks this tick failed with the reason in the UI (Automation > sensor), the
        # one place ops look when an alert never came. Dagster still moves the sensor's cursor
        # past the run (a run status sensor's side effects are not repeated), so the channel
        # that worked does not send the alert twice; a failed channel is not retried.
        raise AlertDeliveryError(f"the alert for run {run.run_id} ({run.job_name}) was not delivered everywhere: "
                                 f"{'; '.join(done.errors)} (done: {done.summary()})")


SENSORS = [landing_zone_sensor, raw_freshness_sensor, run_failure_alerts]
