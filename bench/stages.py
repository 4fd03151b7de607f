"""One benchmark stage, run in its own process by bench.procs.run_stage:

    python -m bench.stages <stage> [--as-of DATE] [...] --result FILE

The product's paths come from the COACHING_* environment the harness sets. Every Dagster
stage executes the product's own job definitions in process on an ephemeral instance, as
`coaching run` does. `seconds` in the result is the job execution (or floor) time measured
in the stage's process; the harness also records the process's wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def _now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# CPU seconds (user + system) of this process and its waited-for children (dbt) spent in
# job executions, and each step's event times (epoch seconds), filled by _execute.
CPU: dict[str, float] = {}
WINDOWS: dict[str, dict] = {}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _maxrss() -> dict:
    # ru_maxrss is in KiB on Linux. RUSAGE_CHILDREN: the largest waited-for child (dbt).
    return {
        "maxrss_self_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "maxrss_children_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }


def _definitions():
    from coaching_pipeline.definitions import build_definitions
    from coaching_pipeline.paths import resolve_paths

    paths = resolve_paths()
    return paths, build_definitions(paths)


def _execute(job, **kwargs) -> tuple[object, float, dict[str, float], list[str]]:
    """Execute a job in process; returns the result, seconds, per-step seconds and the
    failed ERROR-severity checks and steps."""
    from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance

    with DagsterInstance.ephemeral() as instance:
        cpu0 = _cpu()
        started = time.perf_counter()
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET, **kwargs)
        seconds = time.perf_counter() - started
        CPU["seconds"] = CPU.get("seconds", 0.0) + _cpu() - cpu0
        starts, steps = {}, {}
        for entry in instance.all_logs(result.run_id):
            event = entry.dagster_event
            if event is None or not event.step_key:
                continue
            window = WINDOWS.setdefault(event.step_key, {})
            if event.event_type == DagsterEventType.STEP_START:
                starts[event.step_key] = entry.timestamp
                window["start"] = entry.timestamp
            elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                steps[event.step_key] = round(entry.timestamp - starts.get(event.step_key, entry.timestamp), 3)
                window["end"] = entry.timestamp
            elif event.event_type in (DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_CHECK_EVALUATION):
                window.setdefault("first_event", entry.timestamp)
                window["last_event"] = entry.timestamp
                window["events"] = window.get("events", 0) + 1
    problems = []
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            check = event.event_specific_data
            if not check.passed and check.severity == AssetCheckSeverity.ERROR:
                problems.append(f"check {check.asset_key.to_user_string()}:{check.check_name}")
        elif event.is_step_failure:
            problems.append(f"step {event.step_key}: {event.event_specific_data.error.message.strip()[:500]}")
    return result, seconds, steps, problems


def _subset(job, keys, checks):
    """The nightly job restricted to these assets and exactly these checks (a plain
    asset_selection would add the raw freshness checks, which the nightly job leaves out)."""
    return job.get_subset(asset_selection=set(keys), asset_check_selection=set(checks))


def _loaded_since(paths, since: dt.datetime) -> dict:
    from coaching_pipeline.db import open_warehouse

    con = open_warehouse(paths.warehouse, read_only=True)
    try:
        rows = con.execute(
            "select object, count(*) filter (where status = 'loaded'), count(*) filter (where status = 'failed'), "
            "coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0) "
            "from raw._loaded_files where loaded_at >= ? group by 1 order by 1",
            [since],
        ).fetchall()
    finally:
        con.close()
    per_object = {
        o: {"files_loaded": f, "files_failed": x, "rows_read": r, "rows_loaded": lo, "rows_quarantined": q}
        for o, f, x, r, lo, q in rows
    }
    return {
        "rows": sum(v["rows_read"] for v in per_object.values()),
        "files": sum(v["files_loaded"] + v["files_failed"] for v in per_object.values()),
        "per_object": per_object,
    }


def _model_rows(paths) -> dict[str, int]:
    from coaching_pipeline.db import open_warehouse, table_row_counts

    con = open_warehouse(paths.warehouse, read_only=True)
    try:
        counts = table_row_counts(con, ["staging", "intermediate", "marts"])
        return {f"{s}.{t}": rows for (s, t), rows in counts.items()}
    finally:
        con.close()


def dbt_target_dir(run_id: str) -> Path | None:
    """The target folder dagster-dbt gave the dbt invocation of this run."""
    from coaching_pipeline.config import DBT_PROJECT_DIR

    found = sorted((DBT_PROJECT_DIR / "target").glob(f"*-{run_id[:7]}-*"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def _ts(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def dbt_profile(target: Path) -> dict:
    """Where a dbt build's time went, from its run_results.json and dbt.log."""
    out: dict = {"target_dir": str(target)}
    results = json.loads((target / "run_results.json").read_text())
    out["dbt_elapsed_s"] = round(results["elapsed_time"], 2)
    kinds = defaultdict(lambda: {"count": 0, "seconds": 0.0})
    models = {}
    first_start = None
    for r in results["results"]:
        kind = r["unique_id"].split(".")[0]
        kinds[kind]["count"] += 1
        kinds[kind]["seconds"] += r["execution_time"]
        if kind == "model":
            models[r["unique_id"].split(".")[-1]] = round(r["execution_time"], 3)
        for t in r.get("timing", []):
            if t.get("started_at"):
                first_start = min(first_start or _ts(t["started_at"]), _ts(t["started_at"]))
    out["by_kind"] = {k: {"count": v["count"], "seconds": round(v["seconds"], 2)} for k, v in kinds.items()}
    out["failed"] = [r["unique_id"] for r in results["results"] if r["status"] in ("error", "fail")]
    out["warned"] = sum(r["status"] == "warn" for r in results["results"])
    out["models_s"] = dict(sorted(models.items(), key=lambda kv: -kv[1]))
    log = target / "dbt.log"
    if log.exists():
        first = last = None
        reparse = []
        with log.open() as fh:
            for line in fh:
                try:
                    info = json.loads(line)
                except ValueError:
                    continue
                ts = info.get("info", {}).get("ts")
                if ts:
                    first = first if first is not None else _ts(ts)
                    last = _ts(ts)
                if info.get("info", {}).get("name") == "UnableToPartialParse":
                    reparse.append(info["data"].get("reason"))
        if first is not None:
            out["dbt_log_span_s"] = round(last - first, 2)
            out["dbt_log_first_ts"], out["dbt_log_last_ts"] = first, last
            if first_start:
                out["startup_and_parse_s"] = round(first_start - first, 2)
        out["full_reparse_reasons"] = reparse
    return out


# -- stages -------------------------------------------------------------------------------


def stage_ingest(args) -> dict:
    from dagster import AssetCheckKey, AssetKey

    from coaching_pipeline.assets.ingest import FILES_CHECK
    from coaching_pipeline.ingest import configured_objects

    paths, defs = _definitions()
    since = _now_utc()
    keys = [AssetKey(["raw", o.name]) for o in configured_objects()]
    job = _subset(defs.resolve_job_def("nightly"), keys, [AssetCheckKey(k, FILES_CHECK) for k in keys])
    result, seconds, steps, problems = _execute(job)
    loaded = _loaded_since(paths, since)
    return {"success": result.success and not problems, "problems": problems, "seconds": seconds,
            "rows": loaded["rows"], "files": loaded["files"], "steps_s": steps, "per_object": loaded["per_object"]}


def stage_dbt(args) -> dict:
    from coaching_pipeline.assets.dbt import dbt_models

    paths, defs = _definitions()
    job = _subset(defs.resolve_job_def("nightly"), dbt_models.keys, dbt_models.check_keys)
    result, seconds, steps, problems = _execute(job)
    rows = _model_rows(paths)
    out = {"success": result.success and not problems, "problems": problems, "seconds": seconds,
           "rows": sum(rows.values()), "models": len(rows), "steps_s": steps, "model_rows": rows}
    target = dbt_target_dir(result.run_id)
    if target is not None:
        out["dbt"] = _dbt_split(dbt_profile(target), WINDOWS.get("dbt_models", {}))
    return out


def _dbt_split(profile: dict, window: dict) -> dict:
    """The dbt step's time: before dbt logs anything (dbt's interpreter start-up), dbt's own
    span, then after dbt's last log line (DuckDB checkpointing as dbt closes the file, the
    last events). The events reach Dagster while dbt runs: `events_after_dbt_exit_s` is
    how long the last of them trails dbt's last log line."""
    first, last = profile.pop("dbt_log_first_ts", None), profile.pop("dbt_log_last_ts", None)
    if first and window.get("start") and window.get("end"):
        profile["step_s"] = round(window["end"] - window["start"], 2)
        profile["before_dbt_log_s"] = round(first - window["start"], 2)
        profile["after_dbt_exit_s"] = round(window["end"] - last, 2)
        if window.get("first_event"):
            profile["events_after_dbt_exit_s"] = round(max(0.0, window["last_event"] - last), 2)
            profile["dagster_event_span_s"] = round(window["last_event"] - window["first_event"], 2)
            profile["dagster_events"] = window.get("events")
    return profile


def stage_flags_publish(args) -> dict:
    from coaching_pipeline.assets.coaching import DAILY_FLAGS
    from coaching_pipeline.assets.publish import PUBLISHED_MARTS
    from coaching_pipeline.db import open_warehouse

    paths, defs = _definitions()
    job = _subset(defs.resolve_job_def("nightly"), [DAILY_FLAGS, PUBLISHED_MARTS], [])
    result, seconds, steps, problems = _execute(job)
    con = open_warehouse(paths.warehouse, read_only=True)
    try:
        # rows read by the two steps: the marts the flags read, and what was published
        rows = con.execute(
            "select (select count(*) from marts.rep_performance) + (select count(*) from marts.deal_health_scores)"
        ).fetchone()[0]
        flags = con.execute("select count(*) from coaching.daily_flags").fetchone()[0]
    finally:
        con.close()
    return {"success": result.success and not problems, "problems": problems, "seconds": seconds,
            "rows": rows, "daily_flags": flags, "steps_s": steps}


def stage_coaching(args) -> dict:
    """The weekly coaching job as `coaching run` runs it on a new install: the week of as_of
    and the backfill weeks before it, one range run (then one publication)."""
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from coaching_pipeline.config import settings
    from coaching_pipeline.db import open_warehouse
    from coaching_pipeline.runner import _coaching_state, weeks_to_assess

    paths, defs = _definitions()
    _, empty = _coaching_state(paths)
    weeks = weeks_to_assess(paths.as_of, empty, settings().coaching.backfill_weeks)
    tags = {ASSET_PARTITION_RANGE_START_TAG: weeks[0].isoformat(), ASSET_PARTITION_RANGE_END_TAG: weeks[-1].isoformat()}
    result, seconds, steps, problems = _execute(defs.resolve_job_def("weekly_coaching_job"), tags=tags)
    con = open_warehouse(paths.warehouse, read_only=True)
    try:
        rows, log_rows, escalations = con.execute(
            "select (select count(*) from coaching.skill_assessment_log), (select count(*) from coaching.coaching_log), "
            "(select count(*) from coaching.escalations)"
        ).fetchone()
    finally:
        con.close()
    return {"success": result.success and not problems, "problems": problems, "seconds": seconds, "rows": rows,
            "weeks": len(weeks), "steps_s": steps, "coaching_log_rows": log_rows, "escalations": escalations}


def stage_digests(args) -> dict:
    paths, defs = _definitions()
    month = args.month
    result, seconds, steps, problems = _execute(defs.resolve_job_def("monthly_digests_job"), partition_key=month)
    manifest = paths.output / "digests" / month[:7] / "manifest.json"
    documents = 0
    if manifest.exists():
        data = json.loads(manifest.read_text())
        entries = data.get("documents", data) if isinstance(data, dict) else data
        documents = len(entries)
    return {"success": result.success and not problems, "problems": problems, "seconds": seconds,
            "rows": documents, "month": month, "steps_s": steps, "manifest": str(manifest)}


def stage_nightly(args) -> dict:
    """The whole nightly job (the incremental run after one more day of extracts)."""
    paths, defs = _definitions()
    since = _now_utc()
    result, seconds, steps, problems = _execute(defs.resolve_job_def("nightly"))
    loaded = _loaded_since(paths, since)
    out = {"success": result.success and not problems, "problems": problems, "seconds": seconds,
           "rows": loaded["rows"], "files": loaded["files"], "steps_s": steps, "per_object": loaded["per_object"]}
    split = defaultdict(float)
    for step, s in steps.items():
        split["ingestion" if step.startswith("raw__") else "dbt" if step.startswith("dbt") else "other"] += s
    out["split_s"] = {k: round(v, 2) for k, v in split.items()}
    target = dbt_target_dir(result.run_id)
    if target is not None:
        out["dbt"] = _dbt_split(dbt_profile(target), WINDOWS.get("dbt_models", {}))
    return out


def stage_workbench(args) -> dict:
    """Page latency of the workbench over real HTTP (bench/workbench_latency.py), then reads
    while the publish function replaces analytics.duckdb."""
    from bench.workbench_latency import measure
    from coaching_pipeline.paths import resolve_paths

    paths = resolve_paths()
    work = Path(args.work) if args.work else paths.warehouse.parent.parent
    return measure(paths.warehouse, work, n=args.requests)


def stage_floor_ingest(args) -> dict:
    from bench.floors import ingestion_floor

    return ingestion_floor(Path(args.landing), Path(args.database))


def stage_floor_dbt(args) -> dict:
    from bench.floors import dbt_floor

    return dbt_floor(Path(args.manifest), Path(args.database))


STAGES = {
    "ingest": stage_ingest,
    "dbt": stage_dbt,
    "flags_publish": stage_flags_publish,
    "coaching": stage_coaching,
    "digests": stage_digests,
    "nightly": stage_nightly,
    "workbench": stage_workbench,
    "floor_ingest": stage_floor_ingest,
    "floor_dbt": stage_floor_dbt,
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stages")
    parser.add_argument("stage", choices=sorted(STAGES))
    parser.add_argument("--result", required=True)
    parser.add_argument("--month", help="digests: the monthly partition key (YYYY-MM-01)")
    parser.add_argument("--landing", help="floor_ingest: the landing zone")
    parser.add_argument("--database", help="floors: the DuckDB file to write")
    parser.add_argument("--manifest", help="floor_dbt: the dbt manifest.json with compiled SQL")
    parser.add_argument("--work", help="workbench: the folder for the server's log and decisions store")
    parser.add_argument("--requests", type=int, default=200, help="workbench: timed GETs per page")
    args = parser.parse_args(argv)
    try:
        out = STAGES[args.stage](args)
    except Exception:
        traceback.print_exc()
        out = {"success": False, "problems": [traceback.format_exc(limit=3)[-2000:]]}
    out.update(_maxrss())
    out.setdefault("cpu_seconds", round(CPU["seconds"], 2) if "seconds" in CPU else None)
    Path(args.result).write_text(json.dumps(out, indent=1, default=str))
    return 0 if out.get("success") else 1


if __name__ == "__main__":
    sys.exit(main())
