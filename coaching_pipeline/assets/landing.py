"""The landing zone as a run finds it: the first step of every ingestion.

Every ingestion asset depends on it, so a run whose warehouse is held by another process
(another run, an analyst's DuckDB session on the warehouse file instead of analytics.duckdb)
fails here once, with the one line naming the holder and what to do (run_lock.RunLocked,
db.WarehouseLocked), and Dagster skips every step after it. Without it the 21 ingestion
steps, which depend on nothing, would each fail with the same line.

Its materialization records what arrived: the extract files per source folder and how many
of them no earlier run loaded.
"""

from collections import Counter
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from ..db import table_exists
from ..ingest import configured_objects, loader
from ..ingest.readers import discover
from ..resources import WRITER_POOL, LandingZone, Warehouse

LANDING_ZONE = AssetKey(["landing", "extract_files"])


def landing_files(landing: Path) -> dict[str, list[Path]]:
    """{object name: its extract files}, as the loader discovers them."""
    return {obj.name: discover(landing, obj) for obj in configured_objects()}


def loaded_paths(con) -> set[str]:
    """The landing-relative paths the ledger records as loaded (none on a new warehouse)."""
    if not table_exists(con, "raw", "_loaded_files"):
        return set()
    return {row[0] for row in con.execute(f"select distinct file from {loader.LEDGER} where status = 'loaded'").fetchall()}


@asset(
    key=LANDING_ZONE,
    group_name="raw",
    pool=WRITER_POOL,
    kinds={"python"},
    description="The extract files in the landing zone as this run found them (per source folder, and how "
    "many are new). Runs first: when the warehouse is held by another process the run fails here, once, "
    "naming the holder, and no ingestion step starts.",
)
def extract_files(context: AssetExecutionContext, warehouse: Warehouse, landing: LandingZone) -> MaterializeResult:
    root = landing.folder
    # Opening for writing is the test: it takes the run lock and DuckDB's file lock, and
    # raises the holder's one line when either is held elsewhere.
    with warehouse.connect() as con:
        loaded = loaded_paths(con)
    files = landing_files(root)
    relative = {name: [p.relative_to(root).as_posix() for p in paths] for name, paths in files.items()}
    per_folder: Counter[str] = Counter()
    for paths in relative.values():
        for path in paths:
            per_folder[path.split("/", 1)[0]] += 1
    new = sorted(p for paths in relative.values() for p in paths if p not in loaded)
    total_bytes = sum(p.stat().st_size for paths in files.values() for p in paths)
    context.log.info(f"{root}: {sum(per_folder.values())} extract files, {len(new)} not loaded before")
    return MaterializeResult(metadata={
        "landing_zone": MetadataValue.path(str(root)),
        "files": sum(per_folder.values()),
        "new_files": len(new),
        "bytes": total_bytes,
        "files_per_folder": MetadataValue.json(dict(sorted(per_folder.items()))),
        "new": MetadataValue.md("\n".join(f"- {p}" for p in new[:50]) + (f"\n- … {len(new) - 50} more" if len(new) > 50 else "")
                                if new else "none"),
    })
