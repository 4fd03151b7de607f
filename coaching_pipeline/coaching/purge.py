"""Repairing the coaching state: `coaching state purge --after DATE [--dry-run]`.

The coaching state is append-only, so state written for a date that had not come yet (an
activity dated 2099 moved as_of, and the weekly job assessed weeks of 2099) stays and changes
every later replay and digest. `purge` removes, in one transaction, every row written for an
assessment or flag date strictly after DATE, then replays the remaining weeks with the
weekly job's own replay (`warehouse_replay`), so the coaching log, its history and the
escalations equal what a run over the remaining weeks gives. Each real purge is audited in
coaching.state_purges.

Decisions where the design is silent:
- What is removed, per table (state_dates.STATE_DATES): skill_assessment_log and
  coaching_history by assessment_date, daily_flags by flag_date, coaching_log events opened
  after DATE (decided ones too: they exist only because of the removed weeks), automatic
  escalations by escalation_date. Events opened up to DATE are re-derived by the replay,
  their decisions kept.
- Kept: coaching.decisions (the audit of what managers did, wall-clock dated) and manual
  escalations (a manager's action, not derived from assessments); the report counts those
  that concern the removed state.
- A dry run runs the same purge and replay in a transaction it rolls back, so its counts are
  exactly what the purge would do; it changes nothing, coaching.state_purges included (dry
  runs are not audited: dry_run is false in every row this version writes, the column says
  so to whoever reads the table). A purge that changes nothing is not audited either.
- DATE after today is refused: no state is ever kept for a later date, and the replay of
  the weeks left would be refused by the guard anyway.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import polars as pl

from ..config import CoachingSettings, settings, utc_today
from ..db import table_exists, transaction, utc_now
from ..fiscal import fiscal_year_start_month
from . import rules, state
from .attainment import attainment_at
from .evidence import QUERIES, Evidence, load_evidence
from .schema import STATE_TABLES, ensure_schema
from .state_dates import SCHEMA, STATE_DATES

AUDIT_TABLE = "state_purges"
AUDIT_DDL = [
    f"create sequence if not exists {SCHEMA}.state_purge_seq",
    f"""create table if not exists {SCHEMA}.{AUDIT_TABLE} (
        purge_id bigint primary key default nextval('{SCHEMA}.state_purge_seq'),
        purged_at timestamp not null,   -- UTC
        after_date date not null,       -- rows dated strictly after it were removed
        purged_by varchar not null,     -- the OS user, or --by (BY is an SQL keyword)
        rows_removed varchar not null,  -- JSON {{table: rows removed}}, every state table
        rows_rederived varchar not null, -- JSON {{table: rows the replay rewrote}}
        dry_run boolean not null default false
    )""",
]

# The key of each state table: tells a removed row from one the replay rewrote.
KEYS: dict[str, tuple[str, ...]] = {
    "skill_assessment_log": ("rep_id", "assessment_date", "skill"),
    "coaching_log": ("coaching_id",),
    "coaching_history": ("coaching_id", "assessment_date"),
    "escalations": ("escalation_id",),
    "daily_flags": ("flag_id",),
    "decisions": ("decision_id",),
}
# How the report names each table's date (one date, a range); coaching_log's by row count.
LABELS: dict[str, tuple[str, str]] = {
    "skill_assessment_log": ("assessment date", "assessment dates"),
    "coaching_log": ("event opened", "events opened"),
    "coaching_history": ("assessment date", "assessment dates"),
    "escalations": ("escalation date", "escalation dates"),
    "daily_flags": ("flag date", "flag dates"),
    "decisions": ("decision date", "decision dates"),
}
# The date a rewritten row had, to show which later state it carried.
REDERIVED_DATES = {**STATE_DATES, "coaching_log": "last_assessed_on"}

# Each purge deletes these; the replay removes what they leave orphaned or stale.
_DELETES = [
    f"delete from {SCHEMA}.skill_assessment_log where assessment_date > ?",
    f"delete from {SCHEMA}.daily_flags where flag_date > ?",
    f"delete from {SCHEMA}.coaching_log where opened_on > ?",
    f"delete from {SCHEMA}.coaching_history where assessment_date > ?",
    f"delete from {SCHEMA}.escalations where rule <> 'manual' and escalation_date > ?",
]

Replayer = Callable[[duckdb.DuckDBPyConnection], rules.Replay]


class PurgeRefused(ValueError):
    """A purge that cannot be done; nothing was changed."""


# --------------------------------------------------------------------------------------
# the weekly job's replay, shared so a purge leaves exactly what a run would


def warehouse_replay(con: duckdb.DuckDBPyConnection, cfg: CoachingSettings | None = None,
                     evidence: Evidence | None = None) -> rules.Replay:
    """rules.replay over every week in skill_assessment_log, with the sellers of
    intermediate.int_users and the attainment at each week (in the fiscal quarters dbt used:
    fiscal.fiscal_year_start_month): what the weekly job persists."""
    cfg = cfg or settings().coaching
    evidence = evidence or load_evidence(con)
    weeks = state.assessed_weeks(con)
    start_month = fiscal_year_start_month(con)
    attainment = (
        pl.concat([attainment_at(evidence, week, cfg, start_month) for week in weeks], how="vertical_relaxed")
        if weeks else None
    )
    users = con.execute("select user_id, user_name, role, manager_id, slm_id from intermediate.int_users").pl()
    # an older warehouse has no role_metrics yet: no role patterns, the skills as before
    role_metrics = con.execute("from marts.role_metrics where not is_current_month").pl() \
        if table_exists(con, "marts", "role_metrics") else None
    return rules.replay(state.read_assessments(con), users, attainment, cfg, decided=state.decided_events(con),
                        calls=evidence.calls, deal_evidence=evidence, role_metrics=role_metrics)


def _missing_evidence(con: duckdb.DuckDBPyConnection) -> list[str]:
    needed = sorted({m.group(1) for q in QUERIES.values() if (m := re.search(r"from (\w+\.\w+)", q))})
    return [name for name in needed if not table_exists(con, *name.split("."))]


# --------------------------------------------------------------------------------------
# purge


@dataclass(frozen=True)
class TableChange:
    table: str
    removed: int = 0
    removed_span: tuple[dt.date, dt.date] | None = None
    rederived: int = 0
    rederived_span: tuple[dt.date, dt.date] | None = None
    added: int = 0


@dataclass(frozen=True)
class PurgeResult:
    after: dt.date
    dry_run: bool
    by: str
    changes: list[TableChange]
    kept_decisions: int = 0
    kept_manual_escalations: int = 0
    purge_id: int | None = None  # the audit row; None for a dry run or a purge that changed nothing
    purged_at: dt.datetime | None = None

    @property
    def changed(self) -> bool:
        return any(c.removed or c.rederived or c.added for c in self.changes)

    def removed(self) -> dict[str, int]:
        return {c.table: c.removed for c in self.changes}

    def rederived(self) -> dict[str, int]:
        return {c.table: c.rederived + c.added for c in self.changes}

    def lines(self) -> list[str]:
        """The plain report the command prints."""
        would = self.dry_run
        out = []
        for c in self.changes:
            if c.removed:
                out.append(f"{'Would remove' if would else 'Removed'} {_rows(c.removed)} from {SCHEMA}.{c.table} "
                           f"({_label(c.table, c.removed_span, c.removed)})")
            if c.rederived:
                out.append(f"{'Would re-derive' if would else 'Re-derived'} {_rows(c.rederived)} of "
                           f"{SCHEMA}.{c.table} from the weeks up to {self.after} "
                           f"({_rederived_label(c.table, c.rederived_span, c.rederived)})")
            if c.added:
                out.append(f"{'Would add' if would else 'Added'} {_rows(c.added)} to {SCHEMA}.{c.table} "
                           f"from the weeks up to {self.after}")
        if self.kept_decisions:
            out.append(f"Kept {_rows(self.kept_decisions)} of {SCHEMA}.decisions about the removed events "
                       "(managers' decisions are an audit and are never purged)")
        if self.kept_manual_escalations:
            n = self.kept_manual_escalations
            out.append(f"Kept {n} manual escalation{'' if n == 1 else 's'} in {SCHEMA}.escalations dated "
                       f"after {self.after} (a manager's action, not derived from assessments)")
        if not self.changed:
            out.append(f"Nothing to remove: no assessment, flag or state derived from them is dated after {self.after}.")
        if would:
            out.append("Dry run: nothing was changed." + (
                " Run it again without --dry-run to apply it." if self.changed else ""))
        elif self.purge_id is not None:
            out.append(f"Recorded as purge {self.purge_id} in {SCHEMA}.{AUDIT_TABLE} (by {self.by} at "
                       f"{self.purged_at:%Y-%m-%d %H:%M:%S} UTC).")
        return out


def _rows(n: int) -> str:
    return f"{n} row{'' if n == 1 else 's'}"


def _span(span: tuple[dt.date, dt.date] | None) -> str:
    if span is None:
        return "no date"
    first, last = (d.date() if isinstance(d, dt.datetime) else d for d in span)
    return first.isoformat() if first == last else f"{first}..{last}"


def _label(table: str, span, rows: int) -> str:
    one, many = LABELS[table]
    single = rows == 1 if table == "coaching_log" else bool(span) and span[0] == span[1]
    return f"{one if single else many} {_span(span)}"


def _rederived_label(table: str, span, rows: int) -> str:
    if table == "coaching_log":
        return f"{'event' if rows == 1 else 'events'} last assessed {_span(span)}"
    return _label(table, span, rows)


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "unknown"


def _snapshot(con, table: str) -> str:
    name = f"_purge_before_{table}"
    con.execute(f"create or replace temp table {name} as select * from {SCHEMA}.{table}")
    return name


def _diff(con, table: str, before: str) -> TableChange:
    on = " and ".join(f"a.{k} = b.{k}" for k in KEYS[table])
    date, rederived_date = STATE_DATES[table], REDERIVED_DATES[table]
    removed = con.execute(
        f"select count(*), min(b.{date}), max(b.{date}) from {before} b "
        f"where not exists (select 1 from {SCHEMA}.{table} a where {on})"
    ).fetchone()
    rewritten = con.execute(
        f"select count(*), min(b.{rederived_date}), max(b.{rederived_date}) from "
        f"(select * from {before} except select * from {SCHEMA}.{table}) b "
        f"where exists (select 1 from {SCHEMA}.{table} a where {on})"
    ).fetchone()
    added = con.execute(
        f"select count(*) from {SCHEMA}.{table} a where not exists (select 1 from {before} b where {on})"
    ).fetchone()[0]
    return TableChange(
        table=table,
        removed=removed[0], removed_span=(removed[1], removed[2]) if removed[0] else None,
        rederived=rewritten[0], rederived_span=(rewritten[1], rewritten[2]) if rewritten[0] else None,
        added=added,
    )


def purge(con: duckdb.DuckDBPyConnection, after: dt.date, *, dry_run: bool = False, by: str | None = None,
          replay: Replayer | None = None, today: dt.date | None = None, at: dt.datetime | None = None
          ) -> PurgeResult:
    """Remove every row of the coaching state written for a date strictly after `after`,
    replay the remaining weeks (`replay`, default: the weekly job's `warehouse_replay`) and
    audit it, all in one transaction; with dry_run, report the same and roll it back.
    Raises PurgeRefused (nothing changed) for a date after today or a warehouse without the
    tables the replay reads."""
    today = today or utc_today()
    if after > today:
        raise PurgeRefused(
            f"--after {after} is after today ({today}, UTC): coaching state is never kept for a later date, "
            f"so purge after today at the latest: coaching state purge --after {today}"
        )
    by = (by or "").strip() or os_user()
    if replay is None:
        missing = _missing_evidence(con)
        if missing:
            raise PurgeRefused(
                f"the coaching log is replayed from the dbt models, and the warehouse lacks {', '.join(missing)}: "
                "build them first with: coaching run"
            )
        replay = warehouse_replay
    ensure_schema(con)
    # its own transaction (never the caller's), rolled back at the end of a dry run
    with transaction(con, join=False, commit=not dry_run):
        return _purge_in_transaction(con, after, dry_run=dry_run, by=by, replay=replay, today=today,
                                     at=at or utc_now())


def _purge_in_transaction(con, after, *, dry_run, by, replay, today, at) -> PurgeResult:
    before = {table: _snapshot(con, table) for table in STATE_TABLES}
    for statement in _DELETES:
        con.execute(statement, [after])
    state.apply_replay(con, replay(con), today=today)
    changes = [_diff(con, table, before[table]) for table in STATE_TABLES]
    kept_decisions = con.execute(
        f"select count(*) from {SCHEMA}.decisions where coaching_id in (select coaching_id from "
        f"{before['coaching_log']}) and coaching_id not in (select coaching_id from {SCHEMA}.coaching_log)"
    ).fetchone()[0]
    kept_manual = con.execute(
        f"select count(*) from {SCHEMA}.escalations where rule = 'manual' and escalation_date > ?", [after]
    ).fetchone()[0]
    for name in before.values():
        con.execute(f"drop table {name}")
    result = PurgeResult(after=after, dry_run=dry_run, by=by, changes=changes, kept_decisions=kept_decisions,
                         kept_manual_escalations=kept_manual)
    if dry_run or not result.changed:
        return result
    for statement in AUDIT_DDL:
        con.execute(statement)
    purge_id = con.execute(
        f"insert into {SCHEMA}.{AUDIT_TABLE} (purged_at, after_date, purged_by, rows_removed, rows_rederived, dry_run) "
        "values (?, ?, ?, ?, ?, false) returning purge_id",
        [at, after, by, json.dumps(result.removed()), json.dumps(result.rederived())],
    ).fetchone()[0]
    return PurgeResult(after=after, dry_run=False, by=by, changes=changes, kept_decisions=kept_decisions,
                       kept_manual_escalations=kept_manual, purge_id=purge_id, purged_at=at)
