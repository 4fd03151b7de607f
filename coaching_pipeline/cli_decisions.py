"""The decision commands of `coaching` (approvals list/approve/modify/dismiss/undo, escalate):
the command-line side of the workbench's decisions store. They never write the warehouse
(a nightly run may hold it): they write the store, through the same checks as the web app,
against the facts of the published analytics file; the next run applies what they wrote."""

from __future__ import annotations

import sys

import click

from .paths import resolve_paths

WAREHOUSE_HELP = "DuckDB file [env COACHING_WAREHOUSE; default data/warehouse/warehouse.duckdb]."


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


@click.group()
def approvals():
    """The manager approval gate: list, approve, modify or dismiss coaching events."""


@approvals.command("list")
@click.option("--manager", "manager_id", help="Only the events of this manager's reps.")
@click.option("--all", "include_resolved", is_flag=True, help="Also pending events whose pattern has since cleared.")
@click.option("--warehouse", help=WAREHOUSE_HELP)
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
@click.option("--warehouse", help=WAREHOUSE_HELP)
def approvals_approve(coaching_id, by, warehouse):
    """Approve a coaching event's recommended action (the rep may then see it)."""
    _on_store(warehouse, _decide("approved"), coaching_id, by, say=_decided("Approved", coaching_id, by))


@approvals.command("modify")
@click.argument("coaching_id")
@click.option("--by", "by", required=True, help="Id of the deciding manager (the rep's manager or their SLM).")
@click.option("--action", "action", required=True, help="The action the rep will see instead.")
@click.option("--warehouse", help=WAREHOUSE_HELP)
def approvals_modify(coaching_id, by, action, warehouse):
    """Replace a coaching event's recommended action with your own text."""
    _on_store(warehouse, _decide("modified"), coaching_id, by, action, say=_decided("Modified", coaching_id, by))


@approvals.command("dismiss")
@click.argument("coaching_id")
@click.option("--by", "by", required=True, help="Id of the deciding manager (the rep's manager or their SLM).")
@click.option("--note", "note", help="Why it is dismissed (kept in the log).")
@click.option("--warehouse", help=WAREHOUSE_HELP)
def approvals_dismiss(coaching_id, by, note, warehouse):
    """Dismiss a coaching event: kept in the log, never shown to the rep."""
    _on_store(warehouse, _decide("dismissed"), coaching_id, by, None, note,
              say=_decided("Dismissed", coaching_id, by, with_action=False))


@approvals.command("undo")
@click.argument("coaching_id")
@click.option("--by", "by", required=True, help="Id of the manager who made the decision.")
@click.option("--warehouse", help=WAREHOUSE_HELP)
def approvals_undo(coaching_id, by, warehouse):
    """Withdraw the decision on a coaching event that tonight's run has not applied yet (once
    applied, decide again instead: the new decision supersedes it and the history keeps both)."""
    from .workbench.store import unapplied_decisions, undo_decision

    def action(store, facts):
        decision = unapplied_decisions(store).get(coaching_id)
        if decision is None:
            raise click.ClickException(f"no decision on {coaching_id} waits for tonight's run: nothing to undo "
                                       "(an applied decision is changed by deciding again)")
        return undo_decision(store, facts, decision.id, by)

    _on_store(warehouse, action, say=lambda d: [f"Undone: the {d.decision} decision on {coaching_id} by {by}; "
                                                 "the event waits for a decision again."])


@click.command()
@click.argument("rep_id")
@click.option("--by", "by", required=True, help="Id of the escalating manager (the rep's manager).")
@click.option("--note", "note", required=True, help="Why the rep is escalated to the SLM.")
@click.option("--warehouse", help=WAREHOUSE_HELP)
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
