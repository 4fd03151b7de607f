"""The two floors the product's figures are divided by, measured on the same machine in the
same run, so ratios hold on a noisy machine.

ingestion floor: one DuckDB connection loads every file the ingestion reads (the product's
    own file discovery, so exactly the same files) with DuckDB's readers into a plain table
    per file: `CREATE TABLE t AS SELECT * FROM read_csv(f)` (read_parquet, read_json with
    newline_delimited for .jsonl); a Gong page is `read_json(f)` with its payload array
    unnested into rows (`unnest(<payload>, max_depth := 2)`: one row per record, one column
    per top-level field). No validation, no quarantine, no upsert, no ledger. A file
    DuckDB's type sniffing cannot load is retried with all_varchar (counted); a file that
    does not parse at all (the planted truncated Gong page) is counted as an error.

dbt floor: the compiled SQL of every model of the dbt build just measured (its manifest's
    compiled_code), in dependency order, as `CREATE OR REPLACE TABLE <relation> AS (<sql>)`
    in one DuckDB connection on a copy of the warehouse taken right after ingestion,
    attached under the alias `warehouse` as dbt's profile does. No dbt, no Dagster, no tests.

Both floors open DuckDB with the product's own settings (memory limit, checkpoint threshold,
spill folder: coaching_pipeline.db.duckdb_settings), so a ratio measures what the product's
code and orchestration add, not a difference of DuckDB configuration.
"""

from __future__ import annotations

import json
import resource
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from coaching_pipeline.db import duckdb_settings


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)  # DuckDB's threads are in this process
    return own.ru_utime + own.ru_stime


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _source(path: Path, obj, all_varchar: bool = False) -> str:
    if obj.source == "gong":
        size = max(16 << 20, path.stat().st_size + (1 << 20))
        return (f"SELECT unnest({obj.payload}, max_depth := 2) "
                f"FROM read_json({_quote(path)}, maximum_object_size = {size})")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return f"SELECT * FROM read_parquet({_quote(path)})"
    if suffix == ".jsonl":
        return f"SELECT * FROM read_json({_quote(path)}, format = 'newline_delimited')"
    return f"SELECT * FROM read_csv({_quote(path)}{', all_varchar = true' if all_varchar else ''})"


def ingestion_floor(landing: Path, database: Path) -> dict:
    from coaching_pipeline.ingest import configured_objects
    from coaching_pipeline.ingest.readers import discover

    database.unlink(missing_ok=True)
    database.with_name(database.name + ".wal").unlink(missing_ok=True)
    con = duckdb.connect(str(database), config=duckdb_settings(database))
    per_object, errors, retried = {}, [], []
    cpu0 = _cpu()
    started = time.perf_counter()
    try:
        for obj in configured_objects():
            t0, rows, files = time.perf_counter(), 0, 0
            for i, path in enumerate(discover(landing, obj)):
                files += 1
                table = f"{obj.name}_{i:04d}"
                try:
                    con.execute(f"CREATE TABLE {table} AS {_source(path, obj)}")
                except duckdb.Error as exc:
                    if obj.source == "gong":
                        errors.append(f"{path.name}: {str(exc).splitlines()[0][:200]}")
                        continue
                    retried.append(path.name)
                    try:
                        con.execute(f"CREATE OR REPLACE TABLE {table} AS {_source(path, obj, all_varchar=True)}")
                    except duckdb.Error as exc2:
                        errors.append(f"{path.name}: {str(exc2).splitlines()[0][:200]}")
                        continue
                rows += con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            per_object[obj.name] = {"files": files, "rows": rows, "seconds": round(time.perf_counter() - t0, 3)}
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - started
        cpu = _cpu() - cpu0
    finally:
        con.close()
    return {
        "success": True, "seconds": seconds, "cpu_seconds": round(cpu, 2), "rows": sum(v["rows"] for v in per_object.values()),
        "files": sum(v["files"] for v in per_object.values()), "per_object": per_object,
        "errors": errors, "retried_all_varchar": retried,
    }


def model_order(manifest: dict) -> list[dict]:
    """The manifest's models in dependency order (ties by name, as a stable order)."""
    models = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    deps = {uid: [d for d in n["depends_on"]["nodes"] if d in models] for uid, n in models.items()}
    order, done = [], set()

    def visit(uid, stack=()):
        if uid in done:
            return
        if uid in stack:
            raise ValueError(f"dependency cycle at {uid}")
        for d in sorted(deps[uid]):
            visit(d, (*stack, uid))
        done.add(uid)
        order.append(models[uid])

    for uid in sorted(models):
        visit(uid)
    return order


def dbt_floor(manifest_path: Path, database: Path) -> dict:
    manifest = json.loads(manifest_path.read_text())
    models = model_order(manifest)
    missing = [n["name"] for n in models if not n.get("compiled_code")]
    if missing:
        raise RuntimeError(f"no compiled SQL in {manifest_path} for {missing}")
    con = duckdb.connect(config=duckdb_settings(database))
    con.execute(f"ATTACH {_quote(database)} AS warehouse")
    con.execute("USE warehouse")
    per_model: dict[str, float] = {}
    per_layer: dict[str, float] = defaultdict(float)
    rows = 0
    cpu0 = _cpu()
    started = time.perf_counter()
    try:
        for schema in sorted({n["schema"] for n in models}):
            con.execute(f'CREATE SCHEMA IF NOT EXISTS warehouse."{schema}"')
        for node in models:
            t0 = time.perf_counter()
            con.execute(f"CREATE OR REPLACE TABLE {node['relation_name']} AS (\n{node['compiled_code']}\n)")
            elapsed = time.perf_counter() - t0
            per_model[node["name"]] = round(elapsed, 3)
            per_layer[node["schema"]] += elapsed
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - started
        cpu = _cpu() - cpu0
        for node in models:
            rows += con.execute(f"SELECT count(*) FROM {node['relation_name']}").fetchone()[0]
    finally:
        con.close()
    return {
        "success": True, "seconds": seconds, "cpu_seconds": round(cpu, 2), "rows": rows, "models": len(models),
        "per_layer_s": {k: round(v, 2) for k, v in per_layer.items()},
        "models_s": dict(sorted(per_model.items(), key=lambda kv: -kv[1])),
    }
