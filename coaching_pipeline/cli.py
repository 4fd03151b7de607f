"""The `coaching` command line (interfaces contract).

click rather than argparse: it is already a Dagster dependency, gives sub-commands,
typed options and environment-variable fallbacks declaratively, and has a test runner.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

import click

from .config import RunPaths, resolve_paths


def _date(_ctx, _param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.group()
def main():
    """Sales-coaching analytics warehouse: generate, run, approve, escalate."""


@main.command()
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Landing-zone folder to write.")
@click.option("--scale", type=click.Choice(["S", "M", "L"], case_sensitive=False), default="S", show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--as-of", callback=_date, help="Last date of the data (default: today, UTC).")
def generate(out: Path, scale: str, seed: int, as_of: dt.date | None):
    """Write a synthetic landing zone (landing-zone contract)."""
    from .generate import generate_landing_zone

    as_of = as_of or dt.datetime.now(dt.UTC).date()
    started = time.perf_counter()
    summary = generate_landing_zone(out, scale=scale.upper(), seed=seed, as_of=as_of, progress=scale.upper() != "S")
    click.echo(f"Wrote a scale-{scale.upper()} landing zone as of {as_of} to {out} in {time.perf_counter() - started:.1f}s")
    rows = summary.get("rows", {}) if isinstance(summary, dict) else {}
    for name, count in sorted(rows.items()):
        click.echo(f"  {name:<28} {count:>12,}")


def _export_paths(paths: RunPaths) -> None:
    """Child processes (dbt) and Dagster resources read the same settings."""
    os.environ["COACHING_LANDING_DIR"] = str(paths.landing)
    os.environ["COACHING_WAREHOUSE"] = str(paths.warehouse)
    os.environ["COACHING_OUTPUT_DIR"] = str(paths.output)
    if paths.as_of:
        os.environ["COACHING_AS_OF"] = paths.as_of.isoformat()


@main.command()
@click.option("--landing", help="Landing-zone folder [env COACHING_LANDING_DIR; default data/landing].")
@click.option("--warehouse", help="DuckDB file [env COACHING_WAREHOUSE; default data/warehouse/coaching.duckdb].")
@click.option("--as-of", "as_of", callback=_date, help="Compute as of this date [env COACHING_AS_OF; default: latest event date].")
@click.option("--output", help="Output folder [env COACHING_OUTPUT_DIR; default data/output].")
def run(landing, warehouse, as_of, output):
    """Materialize every asset once, in process. Exit code 1 when anything failed."""
    from .runner import run_all

    paths = resolve_paths(landing, warehouse, output, as_of)
    if not any(paths.landing.glob("*/*")):
        raise click.ClickException(
            f"no extracts in {paths.landing}; write a sample with: coaching generate --out {paths.landing}"
        )
    _export_paths(paths)
    ok = run_all(paths, echo=click.echo)
    sys.exit(0 if ok else 1)


@main.command()
@click.option("--warehouse", help="DuckDB file [env COACHING_WAREHOUSE; default data/warehouse/coaching.duckdb].")
def docs(warehouse):
    """Generate dbt's documentation site (lineage, every model and column) from the warehouse."""
    import json
    import subprocess

    from .config import DBT_PROJECT_DIR
    from .resources.dbt import dbt_executable, dbt_vars

    paths = resolve_paths(warehouse=warehouse)
    if not paths.warehouse.exists():
        raise click.ClickException(f"no warehouse at {paths.warehouse}; build it first with: coaching run")
    env = {**os.environ, "COACHING_WAREHOUSE": str(paths.warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    target = DBT_PROJECT_DIR / "target" / "docs"
    subprocess.run(
        [dbt_executable(), "docs", "generate", "--static", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target),
         "--vars", json.dumps(dbt_vars(paths.as_of))],
        check=True, env=env, cwd=DBT_PROJECT_DIR,
    )
    click.echo(f"dbt documentation: {target / 'static_index.html'} (one file; open it in a browser)")


if __name__ == "__main__":
    main()
