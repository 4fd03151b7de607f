"""Ingestion assets: one per landing-zone object, group `raw`.

Each asset loads the object's new files (path + checksum not yet loaded) into
`raw.<object>`, one transaction per file. Its asset check fails, naming the files, when
a file could not load at all (missing required column, wrong format); the other files
still load.
"""



from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)
from tqdm import tqdm

from ..ingest import configured_objects, loader
from ..ingest.objects import SourceObject
from ..resources import WRITER_POOL, LandingZone, Warehouse
from .landing import LANDING_ZONE

FILES_CHECK = "every_file_loads"
FILES_CHECK_DESCRIPTION = (
    "Fails when an extract file of this object was rejected whole (a required column missing, an "
    "unreadable file); the result names each file and why. Rows rejected one by one go to "
    "raw.quarantine and do not fail it."
)
# How the readers end a rejection message; the check's "rejected" already says it.
NOTHING_LOADED = "; nothing loaded from this file"


def rejected_files(failed: list[loader.FileResult]) -> str:
    """The failed check's description, which the UI shows without opening the metadata:
    `1 file rejected: crm/Opportunity_2.csv: missing required column 'StageName'`."""
    reasons = []
    for r in failed:
        error = (r.error or "not loaded").removesuffix(NOTHING_LOADED)
        reasons.append(error if error.startswith(r.file) else f"{r.file}: {error}")
    return f"{len(failed)} file{'' if len(failed) == 1 else 's'} rejected: " + "; ".join(reasons)


def build_ingest_asset(obj: SourceObject) -> AssetsDefinition:
    key = AssetKey(["raw", obj.name])

    @asset(
        key=key,
        group_name="raw",
        description=f"{obj.description} Loaded from `{obj.source}/` into `{obj.table}`.",
        pool=WRITER_POOL,
        kinds={"duckdb", "python"},
        # After the landing-zone step: a warehouse held by another process fails the run
        # there, once, instead of in each of these steps (assets/landing.py).
        deps=[LANDING_ZONE],
        check_specs=[
            AssetCheckSpec(FILES_CHECK, asset=key, description=FILES_CHECK_DESCRIPTION)
        ],
    )
    def _ingest(context: AssetExecutionContext, warehouse: Warehouse, landing: LandingZone):
        with warehouse.connect() as con:
            load = loader.Loader(con, landing.folder, obj)
            loader.ensure_raw_tables(con, [obj])
            files = load.files()
            results = []
            # The bar shows in a terminal (coaching run) and stays silent in the UI's logs.
            with tqdm(total=len(files), desc=f"raw/{obj.name}", unit="file", disable=None, leave=False) as bar:
                for path in files:
                    result = load.load_file(path)
                    results.append(result)
                    bar.update()
                    if result.status == "failed":
                        context.log.error(result.error)
                    elif result.status == "loaded":
                        context.log.info(
                            f"{result.file}: {result.rows_loaded} loaded, {result.rows_quarantined} "
                            f"quarantined, {result.rows_superseded} superseded, {result.rows_merged} merged"
                        )
            row_count = con.execute(f"select count(*) from {obj.table}").fetchone()[0]
            # When the newest extract of this object loaded: the freshness check reads it, so a
            # nightly run that finds no new file does not count as fresh data.
            newest_load = con.execute(
                f"select epoch(max(loaded_at)) from {loader.LEDGER} where object = ? and status = 'loaded'",
                [obj.name],
            ).fetchone()[0]
            quarantine_total = con.execute(
                f"select count(*) from {loader.QUARANTINE} where source = ?", [obj.name]
            ).fetchone()[0]
        summary = loader.summarize(results)
        failed = [r for r in results if r.status == "failed"]
        context.log.info(f"{obj.table}: {summary}")
        return MaterializeResult(
            metadata={
                **summary,
                "dagster/row_count": row_count,
                "quarantined_rows_total": quarantine_total,
                "table": obj.table,
                **({"dagster/last_updated_timestamp": MetadataValue.timestamp(newest_load)} if newest_load else {}),
            },
            check_results=[
                AssetCheckResult(
                    check_name=FILES_CHECK,
                    passed=not failed,
                    severity=AssetCheckSeverity.ERROR,
                    description=rejected_files(failed) if failed else None,
                    metadata={
                        "failed_files": MetadataValue.md(
                            "\n".join(f"- {r.error}" for r in failed) or "none"
                        )
                    },
                )
            ],
        )

    return _ingest


def ingest_assets() -> list[AssetsDefinition]:
    return [build_ingest_asset(obj) for obj in configured_objects()]
