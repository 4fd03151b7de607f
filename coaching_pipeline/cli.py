"""The `coaching` command line (interfaces contract).

click rather than argparse: it is already a Dagster dependency, gives sub-commands,
typed options and environment-variable fallbacks declaratively, and has a test runner.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import time
from pathlib import Path

import click

from .cli_decisions import WAREHOUSE_HELP as _WAREHOUSE_HELP
from .cli_decisions import approvals, escalate
from .paths import RunPaths, resolve_paths


def _date(_ctx, _param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _past_date(ctx, param, value):
    """A date that is not after today: as_of bounds every date the product uses."""
    from .config import FutureAsOf, check_as_of

    try:
        return check_as_of(_date(ctx, param, value))
    except FutureAsOf as exc:
        raise click.BadParameter(str(exc)) from None


@click.group()
def main():
    """Sales-coaching analytics warehouse: generate, run, approve, escalate."""


main.add_command(approvals)
main.add_command(escalate)

@main.command()
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Landing-zone folder to write.")
@click.option("--scale", type=click.Choice(["S", "M", "L"], case_sensitive=False), default="S", show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--as-of", callback=_date, help="Last date of the data (default: today, UTC).")
@click.option("--fiscal-year-start-month", type=click.IntRange(1, 12), default=1, show_default=True,
              help="First month of the org's fiscal year (Organization.FiscalYearStartMonth, Period rows, quotas).")
def generate(out: Path, scale: str, seed: int, as_of: dt.date | None, fiscal_year_start_month: int):
    """Write a synthetic landing zone (landing-zone contract)."""
    try:  # the generator ships apart from the product (sample_generator/)
        from coaching_sample_generator import generate_landing_zone
    except ModuleNotFoundError as exc:
        if exc.name != "coaching_sample_generator":
            raise
        raise click.ClickException("the sample generator is not installed: pip install -e ./sample_generator "
                                   "(make run and make test install it)") from None

    as_of = as_of or dt.datetime.now(dt.UTC).date()
    started = time.perf_counter()
    summary = generate_landing_zone(out, scale=scale.upper(), seed=seed, as_of=as_of, progress=scale.upper() != "S",
                                    fiscal_year_start_month=fiscal_year_start_month)
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
@click.option("--warehouse", help="DuckDB file [env COACHING_WAREHOUSE; default data/warehouse/warehouse.duckdb].")
@click.option("--as-of", "as_of", callback=_past_date,
              help="Compute as of this date, today at the latest [env COACHING_AS_OF; default: latest event date].")
@click.option("--output", help="Output folder [env COACHING_OUTPUT_DIR; default data/output].")
@click.option("--full-refresh", is_flag=True,
              help="Rebuild the incremental dbt models from scratch (after an upgrade changed their columns).")
def run(landing, warehouse, as_of, output, full_refresh):
    """Materialize every asset once, in process. Exit code 1 when anything failed."""
    from . import run_lock
    from .config import FutureAsOf

    try:
        paths = resolve_paths(landing, warehouse, output, as_of)
    except FutureAsOf as exc:  # COACHING_AS_OF in the future
        raise click.ClickException(f"COACHING_AS_OF: {exc}") from None
    if not any(paths.landing.glob("*/*")):
        raise click.ClickException(
            f"no extracts in {paths.landing}; write a sample with: coaching generate --out {paths.landing}"
        )
    _export_paths(paths)
    # Taken here as well as in run_all (it is reentrant): loading the definitions below can
    # re-parse the dbt project, which must not happen under a running build, and costs seconds
    # a second run should not spend before it is told another one holds the warehouse.
    with run_lock.hold(paths.warehouse, "coaching run", warn=click.echo):
        from .runner import run_all

        ok = run_all(paths, echo=click.echo, full_refresh=full_refresh)
    sys.exit(0 if ok else 1)


@main.command()
@click.option("--warehouse", help="DuckDB file [env COACHING_WAREHOUSE; default data/warehouse/warehouse.duckdb].")
def docs(warehouse):
    """Generate dbt's documentation site (lineage, every model and column) from the warehouse."""
    import json
    import subprocess

    from .config import DBT_PROJECT_DIR
    from .resources.dbt import dbt_env, dbt_executable, dbt_vars

    paths = resolve_paths(warehouse=warehouse)
    if not paths.warehouse.exists():
        raise click.ClickException(f"no warehouse at {paths.warehouse}; build it first with: coaching run")
    env = {**os.environ, **dbt_env(paths.warehouse, paths.as_of)}
    target = DBT_PROJECT_DIR / "target" / "docs"
    subprocess.run(
        [dbt_executable(), "docs", "generate", "--static", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target),
         "--vars", json.dumps(dbt_vars())],
        check=True, env=env, cwd=DBT_PROJECT_DIR,
    )
    click.echo(f"dbt documentation: {target / 'static_index.html'} (one file; open it in a browser)")


# --- coaching state commands (shared by the state repair below and cli_decisions.py) -----------

def _coaching_connection(warehouse: str | None):
    """A read-write connection to the warehouse with the coaching schema in place."""
    from .coaching.schema import ensure_schema
    from .db import open_warehouse

    paths = resolve_paths(warehouse=warehouse)
    if not paths.warehouse.exists():
        raise click.ClickException(f"no warehouse at {paths.warehouse}; build it first with: coaching run")
    con = open_warehouse(paths.warehouse)
    ensure_schema(con)
    return con


def _on_warehouse(warehouse: str | None, action, *args, say, refusals: tuple[type[Exception], ...] = ()):
    """The body of every coaching-state command: open the warehouse (`_coaching_connection`),
    run action(con, *args), close it, then print the lines say(result) gives. A refusal
    (ApprovalRefused, or one of `refusals`) goes to stderr with exit code 2: nothing changed."""
    from .coaching.approvals import ApprovalRefused

    con = _coaching_connection(warehouse)
    try:
        result = action(con, *args)
    except (ApprovalRefused, *refusals) as refusal:
        click.echo(f"refused: {refusal}", err=True)
        sys.exit(2)
    finally:
        con.close()
    for line in say(result):
        click.echo(line)




# --- coaching state repair (coaching/purge.py) ------------------------------------------------


@main.group("state")
def coaching_state():
    """Repair the coaching state (append-only, kept across runs)."""


@coaching_state.command("purge")
@click.option("--after", "after", required=True, callback=_date,
              help="Remove the state written for assessment and flag dates strictly after this date (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Print, per table, what would be removed; change nothing.")
@click.option("--by", "by", help="Who purges, for the audit (coaching.state_purges) [default: the OS user].")
@click.option("--warehouse", help=_WAREHOUSE_HELP)
def state_purge(after, dry_run, by, warehouse):
    """Remove coaching state written for dates after --after, replay the weeks left (audited)."""
    from .coaching.purge import PurgeRefused, purge
    from .coaching.state_dates import FutureStateDate

    _on_warehouse(warehouse, lambda con: purge(con, after, dry_run=dry_run, by=by),
                  say=lambda result: result.lines(), refusals=(PurgeRefused, FutureStateDate))

# --- end of coaching state repair ------------------------------------------------------------


# --- digest delivery (digests/delivery.py) ---------------------------------------------------


def _month(_ctx, _param, value):
    if value is None or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise click.BadParameter(f"{value!r} is not a month (YYYY-MM)")
    return value


@main.command()
@click.option("--month", required=True, callback=_month, help="The rendered month to mail (YYYY-MM).")
@click.option("--dry-run", is_flag=True, help="List what would be sent; send nothing, record nothing.")
@click.option("--output", help="Output folder [env COACHING_OUTPUT_DIR; default data/output].")
def send(month, dry_run, output):
    """Mail the month's digests to their recipients over SMTP (COACHING_SMTP_URL, COACHING_MAIL_FROM),
    each document once per recipient (sent log: <output>/digests/sent-log.jsonl). Exit code 1
    when a message failed; the next send retries it."""
    from .config import settings
    from .digests.delivery import send_month
    from .mail import smtp_server

    # the output folder as every command resolves it (config.resolve_paths), without the
    # warehouse and as_of checks that command has no use for
    out = Path(output or os.environ.get("COACHING_OUTPUT_DIR") or "data/output").expanduser().resolve()
    server = smtp_server()
    result = send_month(out, month, server, settings().delivery.smtp_timeout_seconds, dry_run=dry_run,
                        echo=click.echo)
    click.echo(result.summary())
    sys.exit(0 if result.ok else 1)

# --- end of digest delivery ------------------------------------------------------------------


@main.command("eval")
@click.option("--landing", help="Landing zone written by `coaching generate`; its ground truth is beside it "
                                "[env COACHING_LANDING_DIR; default data/landing].")
@click.option("--warehouse", help="Warehouse file; the signal is read from the analytics file published beside it "
                                  "[env COACHING_WAREHOUSE].")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the figures to this JSON file.")
def eval_(landing, warehouse, json_out):
    """Precision and recall of the coaching signal against the generator's ground truth
    (coaching contract, "Signal a manager can act on"). Exit code 1 when a target is missed."""
    import json

    from .coaching.eval_report import NoTruth, report, run_eval
    from .config import settings
    paths = resolve_paths(landing, warehouse)
    try:
        figures = run_eval(paths.landing, paths.published, settings().coaching)
    except (NoTruth, FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    for line in report(figures):
        click.echo(line)
    if json_out:
        json_out.write_text(json.dumps(figures, indent=1, default=str) + "\n")
    sys.exit(1 if figures["misses"] else 0)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--warehouse", help="Warehouse file; the app reads the analytics file published beside it "
                                  "[env COACHING_WAREHOUSE].")
def serve(host, port, warehouse):
    """The coaching workbench web app (workbench contract). COACHING_AUTH=proxy|dev (dev, the
    default, only on 127.0.0.1), COACHING_SECRET_KEY, COACHING_TRUSTED_PROXIES."""
    from .workbench.serve import WorkbenchConfigError
    from .workbench.serve import serve as run_server

    try:
        run_server(host=host, port=port, warehouse=warehouse)
    except WorkbenchConfigError as exc:
        raise click.ClickException(str(exc)) from None


if __name__ == "__main__":
    main()
