"""The dbt project as assets: every model downstream of the ingestion assets it reads
(through its sources), dbt tests as asset checks, built with `dbt build`."""


import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetCheckSpec, AssetExecutionContext, AssetKey, AssetSpec, Config, Failure, Output
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from tqdm import tqdm

from ..fiscal import organization_start_month
from ..resources import DBT_PROJECT, WRITER_POOL, RunSettings, Warehouse, dbt_vars, ensure_manifest
from ..resources.dbt import dbt_env
from ..resources.warehouse import latest_event_date
from .dbt_checks import describe_test

LAYERS = ("staging", "intermediate", "marts")


class LayeredTranslator(DagsterDbtTranslator):
    """Models keyed and grouped by their layer folder: `staging/stg_gong__calls`; every dbt
    test an asset check with a description."""

    def _layer(self, props: Mapping[str, Any]) -> str | None:
        fqn = props.get("fqn", [])
        return next((part for part in fqn if part in LAYERS), None)

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "model":
            layer = self._layer(dbt_resource_props)
            if layer:
                return AssetKey([layer, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return self._layer(dbt_resource_props) or super().get_group_name(dbt_resource_props)

    def get_asset_check_spec(self, asset_spec: AssetSpec, manifest: Mapping[str, Any], unique_id: str,
                             project: DbtProject | None) -> AssetCheckSpec | None:
        """dagster-dbt's check (blocking when the test's severity is error), described in words
        (dbt_checks.describe_test): the default takes only a meta.description."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        return AssetCheckSpec(
            spec.name, asset=spec.asset_key, description=describe_test(manifest["nodes"][unique_id]),
            additional_deps=spec.additional_deps, blocking=spec.blocking, metadata=spec.metadata,
            automation_condition=spec.automation_condition, partitions_def=spec.partitions_def,
        )


TRANSLATOR = LayeredTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


class DbtBuildConfig(Config):
    """Run config of the dbt step (launchpad: ops.dbt_models.config)."""

    # The big staging models, int_activities and rep_activities are incremental: a nightly
    # run builds what was loaded since the last one. After a change of one of their
    # columns (an upgrade) dbt stops with "schema ... out of sync"; this rebuilds them.
    full_refresh: bool = False


def build_args(config: DbtBuildConfig) -> list[str]:
    """The `dbt build` command line of a run. dbt.log keeps info level: its default, debug,
    writes every statement (5 MB a night at M, ~5% of dbt's time); the compiled SQL of each
    node stays in the run's target folder."""
    return [
        "build", *(["--full-refresh"] if config.full_refresh else []),
        "--log-level-file", "info", "--vars", json.dumps(dbt_vars()),
    ]


@dbt_assets(
    manifest=ensure_manifest(),
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    pool=WRITER_POOL,
)
def dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse, run: RunSettings, config: DbtBuildConfig
):
    # dbt writes the warehouse from its own process: this step holds the run lock throughout.
    with warehouse.run_lock():
        yield from _build(context, dbt, warehouse, run, config)


def _build(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse, run: RunSettings, config: DbtBuildConfig
):
    as_of = run.as_of_date()
    with warehouse.connect(read_only=True) as con:
        if as_of is None:
            as_of = latest_event_date(con)
        # Organization.FiscalYearStartMonth, else None (dbt then uses the configured default)
        fiscal_start = organization_start_month(con)
    context.log.info(f"dbt build as of {as_of}" + (" (full refresh)" if config.full_refresh else "")
                     + (f", fiscal year from month {fiscal_start} (Organization)" if fiscal_start else ""))
    # dbt_warehouse_plugin attaches the file named by COACHING_WAREHOUSE, int_as_of reads the as_of
    # and int_fiscal_quarters the org's start month from the environment; dbt inherits it.
    os.environ.update(dbt_env(warehouse.file, as_of, fiscal_start))
    invocation = dbt.cli(build_args(config), context=context, raise_on_error=False)
    # Events go to Dagster as dbt emits them, so the UI follows the build model by model.
    # Row counts come from dbt itself (every model logs its own, macros/row_counts.sql): the
    # DuckDB file cannot be read until dbt exits.
    row_counts: dict[str, int] = {}
    total = len(context.selected_asset_keys) + len(context.selected_asset_check_keys)
    with tqdm(total=total, desc="dbt build", unit="node", disable=None, leave=False) as bar:
        for raw in invocation.stream_raw_events():
            counted = _row_count_logged(raw.raw_event)
            if counted:
                row_counts[counted[0]] = counted[1]
                continue
            for event in raw.to_default_asset_events(
                manifest=invocation.manifest, dagster_dbt_translator=invocation.dagster_dbt_translator,
                context=context, target_path=invocation.target_path, project=invocation.project,
            ):
                if isinstance(event, Output):
                    relation = ".".join(context.asset_key_for_output(event.output_name).path)
                    if relation in row_counts:
                        event = event.with_metadata({**event.metadata, "dagster/row_count": row_counts[relation]})
                bar.update()
                yield event
    if not invocation.is_successful():
        # Failure: its description is what the UI shows first (not Dagster's wrapper)
        raise Failure(description=f"dbt build failed: {_failures(invocation) or invocation.get_error()}")
    _keep_partial_parse(invocation.target_path)


ROW_COUNT_LOG = "coaching_row_count"  # the prefix macros/row_counts.sql logs


def _row_count_logged(raw_event: Mapping[str, Any]) -> tuple[str, int] | None:
    """(`<schema>.<table>`, rows) from the log line of macros/row_counts.sql, else None."""
    message = (raw_event.get("info") or {}).get("msg") or ""
    parts = message.split(" ")
    if len(parts) == 3 and parts[0] == ROW_COUNT_LOG and parts[2].isdigit():
        return parts[1], int(parts[2])
    return None


def _keep_partial_parse(run_target: Path) -> None:
    """dagster-dbt seeds each run's target folder with the project's partial_parse.msgpack
    but never hands the newer one back: without this, every night re-parses whatever changed
    since `make setup` (as_of, the settings' vars), 6-15 s. Only one dbt run writes at a time
    (the writer pool), and the replace is atomic."""
    source = run_target / "partial_parse.msgpack"
    if not source.exists():
        return
    target = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    target = target if target.is_absolute() else DBT_PROJECT.project_dir / target
    target.mkdir(parents=True, exist_ok=True)
    staging = target / ".partial_parse.msgpack.tmp"
    shutil.copyfile(source, staging)
    os.replace(staging, target / "partial_parse.msgpack")


def _failures(invocation) -> str:
    """The models and tests at fault, from dbt's run_results.json: `model.x (error): message`."""
    try:
        results = invocation.get_artifact("run_results.json")["results"]
    except (OSError, KeyError, ValueError):
        return ""
    return "; ".join(
        f"{r['unique_id']} ({r['status']}): {' '.join((r.get('message') or '').split())[:300]}"
        for r in results
        if r.get("status") in ("error", "fail")
    )
