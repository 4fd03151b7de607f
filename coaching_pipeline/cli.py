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


# --- approval gate and manual escalation (coaching contract; coaching/approvals.py) ---------

_WAREHOUSE_HELP = "DuckDB file [env COACHING_WAREHOUSE; default data/warehouse/warehouse.duckdb]."


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


TONIGHT = "Takes effect in tonight's run: the coaching log applies it at the start of the next run."


def _on_store(warehouse: str | None, action, *args, say):
    """The body of the decision commands (workbench contract, "Running it"): they never write
    the warehouse (the nightly run may hold it) but the decisions store, with the same checks
    as the workbench, against the facts of the published analytics file. action(store, facts,
    *args); a refusal (ApprovalRefused) goes to stderr with exit code 2: nothing changed but
    the audit log."""
    from .coaching.approvals import ApprovalRefused
    from .workbench.store import Facts, open_store

    con = _published_connection(warehouse)
    store = open_store()
    try:
        result = action(store, Facts(con), *args)
    except ApprovalRefused as refusal:
        click.echo(f"refused: {refusal}", err=True)
        sys.exit(2)
    finally:
        store.close()
        con.close()
    for line in say(result):
        click.echo(line)


def _published_connection(warehouse: str | None):
    """A read-only connection to analytics.duckdb beside the warehouse."""
    import duckdb

    from .paths import published_path

    paths = resolve_paths(warehouse=warehouse)
    published = published_path(paths.warehouse)
    if not published.exists():
        if not paths.warehouse.exists():
            raise click.ClickException(f"no warehouse at {paths.warehouse}; build it first with: coaching run")
        raise click.ClickException(f"no published analytics file at {published}; build it first with: coaching run")
    return duckdb.connect(str(published), read_only=True)


def _decided(verb: str, coaching_id: str, by: str, with_action: bool = True):
    """The lines of a decision: 'Approved C... by M1 at 2025-01-06 09:00:00 UTC: <action>', then
    when it takes effect."""
    def say(decision) -> list[str]:
        line = f"{verb} {coaching_id} by {by} at {decision.decided_at:%Y-%m-%d %H:%M:%S} UTC"
        return [f"{line}: {decision.action_text}" if with_action else f"{line}.", TONIGHT]
    return say


@main.group()
def approvals():
    """The manager approval gate: list, approve, modify or dismiss coaching events."""


@approvals.command("list")
@click.option("--manager", "manager_id", help="Only the events of this manager's reps.")
@click.option("--all", "include_resolved", is_flag=True, help="Also pending events whose pattern has since cleared.")
@click.option("--warehouse", help=_WAREHOUSE_HELP)
def approvals_list(manager_id, include_resolved, warehouse):
    """Coaching events waiting for approval (from the published file), with the decisions made
    since that the next run has still to apply."""
    from .coaching.approvals import list_pending
    from .workbench.store import open_store, unapplied_decisions

    con = _published_connection(warehouse)
    store = open_store()
    try:
        pending = list_pending(con, manager_id, include_resolved=include_resolved, ensure=False)
        decided = unapplied_decisions(store)
    finally:
        store.close()
        con.close()
    if pending.is_empty():
        click.echo("No coaching events waiting for approval" + (f" for manager {manager_id}." if manager_id else "."))
        return
    header = ("ID", "REP", "PATTERN", "WEEKS", "ESCALATED", "RECOMMENDED ACTION")
    rows = [
        (
            r["coaching_id"],
            f"{r['rep_name']} ({r['rep_id']})" if r["rep_name"] != r["rep_id"] else r["rep_id"],
            r["pattern_key"],
            str(r["weeks_flagged"]),
            "to SLM" if r["escalated_to_slm"] else "no",
            r["recommended_action"] or "",
        )
        for r in pending.iter_rows(named=True)
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)][:-1]
    for line in (header, *rows):
        click.echo("  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=False)) + "  " + line[-1])
        decision = decided.get(line[0])
        if decision is not None:
            what = f": {decision.action_text}" if decision.decision == "modified" else ""
            click.echo(f"  -> {decision.decision} by {decision.decided_by} at {decision.decided_at:%Y-%m-%d %H:%M:%S} "
                       f"UTC{what} (takes effect in tonight's run)")
    waiting = sum(1 for r in rows if r[0] not in decided)
    click.echo(f"{waiting} event(s) waiting for approval."
               + (f" {len(rows) - waiting} decided, taking effect in tonight's run." if waiting < len(rows) else ""))


def _decide(decision: str):
    from .workbench.store import decide

    def action(store, facts, coaching_id, by, text=None, note=None):
        return decide(store, facts, coaching_id, by, decision, action=text, note=note)
    return action


@approvals.command("approve")
@click.argument("coaching_id")
@click.option("--by", "by", required=True, help="Id of the deciding manager (the rep's manager or their SLM).")
@click.option("--warehouse", help=_WAREHOUSE_HELP)
def approvals_approve(coaching_id, by, warehouse):
    """Approve a coaching event's recommended action (the rep may then see it)."""
    _on_store(warehouse, _decide("approved"), coaching_id, by, say=_decided("Approved", coaching_id, by))


@approvals.command("modify")
@click.argument("coaching_id")
@click.option("--by", "by", required=True, help="Id of the deciding manager (the rep's manager or their SLM).")
@click.option("--action", "action", required=True, help="The action the rep will see instead.")
@click.option("--warehouse", help=_WAREHOUSE_HELP)
def approvals_modify(coaching_id, by, action, warehouse):
    """Replace a coaching event's recommended action with your own text."""
    _on_store(warehouse, _decide("modified"), coaching_id, by, action, say=_decided("Modified", coaching_id, by))


@approvals.command("dismiss")
@click.argument("coaching_id")
@click.option("--by", "by", required=True, help="Id of the deciding manager (the rep's manager or their SLM).")
@click.option("--note", "note", help="Why it is dismissed (kept in the log).")
@click.option("--warehouse", help=_WAREHOUSE_HELP)
def approvals_dismiss(coaching_id, by, note, warehouse):
    """Dismiss a coaching event: kept in the log, never shown to the rep."""
    _on_store(warehouse, _decide("dismissed"), coaching_id, by, None, note,
              say=_decided("Dismissed", coaching_id, by, with_action=False))


@main.command()
@click.argument("rep_id")
@click.option("--by", "by", required=True, help="Id of the escalating manager (the rep's manager).")
@click.option("--note", "note", required=True, help="Why the rep is escalated to the SLM.")
@click.option("--warehouse", help=_WAREHOUSE_HELP)
def escalate(rep_id, by, note, warehouse):
    """A manager's on-demand escalation of a rep to the second-line manager."""
    from .coaching.ids import short_hash
    from .workbench.store import request_escalation

    def action(store, facts, *args):
        request = request_escalation(store, facts, *args)
        return request, facts.rep(rep_id)

    def say(result) -> list[str]:
        request, rep = result
        # the id the coaching step gives it (approvals.write_escalation)
        eid = short_hash("E", "manual", rep_id, by, request.requested_at.isoformat())
        return [
            (f"Escalated {rep_id} to the SLM ({rep.slm_id})" if rep.slm_id else
             f"Escalated {rep_id} to you, the manager: they have no second-line manager in the CRM")
            + f" as {eid} by {by} at {request.requested_at:%Y-%m-%d %H:%M:%S} UTC.",
            TONIGHT,
        ]

    _on_store(warehouse, action, rep_id, by, note, say=say)

# --- end of approval gate and manual escalation ----------------------------------------------


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
