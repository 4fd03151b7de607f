"""What a run understood of the data, told before it coaches anyone (issue 15, point 10).

Read from the built warehouse (after dbt): the sellers by role and where each role came from
(intermediate.int_users.role_source: the configured role field or a UserRole name matched by
crm.role_patterns), the users left without a role and the UserRole names they carry, the
managers without a manager (their sellers' escalations meant for a second-line manager go
to them), as_of and where it came from (intermediate.int_as_of), the files rejected and the
rows quarantined (raw._loaded_files, raw.quarantine), and the columns files delivered that
the landing-zone spec does not declare: the loader keeps them in the raw table as text, and
no model reads them.

The weekly coaching step and the nightly daily flags log it and add it to their metadata;
`coaching run` prints it after the nightly job. Where no user resolved to a sales role,
`nothing_to_coach` is the plain sentence the weekly step fails with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .config import settings
from .db import open_warehouse
from .people_text import clean, md_escape

SELLER_ROLES = ("AE", "AM", "CSM", "SDR")
_SHOWN = 5  # names listed at most, then "and N more"

_AS_OF_SOURCES = {
    "var": "set for this run (--as-of or COACHING_AS_OF)",
    "latest_event": "the latest event loaded (activity, Task, Event, Gong call or closed deal)",
    "today": "today: no activity, Task, Event, Gong call or closed deal loaded",
}


@dataclass(frozen=True)
class Preflight:
    role_field: str
    users: int
    sellers: dict[str, dict[str, int]]  # role -> role_source -> users
    managers: dict[str, int]  # role_source -> users with the role MANAGER
    without_role: int
    without_role_names: list[tuple[str | None, int]]  # UserRole name (None: none) -> users, most first
    role_names: list[str]  # every user's UserRole name, most common first
    role_field_values: list[str]  # role field values that are no role, most common first
    managers_without_manager: list[str]  # managers of sellers who have no manager themselves
    sellers_without_manager: int
    as_of: dt.date
    as_of_source: str
    latest_event_date: dt.date | None
    events_after_today: int
    files_rejected: list[tuple[str, str]]  # file, error
    quarantined: dict[str, int] = field(default_factory=dict)  # raw table -> rows in raw.quarantine
    unused_columns: dict[str, list[str]] = field(default_factory=dict)  # raw table -> columns

    @property
    def seller_count(self) -> int:
        return sum(sum(by.values()) for by in self.sellers.values())

    @property
    def nothing_to_coach(self) -> str | None:
        """The sentence the weekly coaching fails with when no user is a seller; else None."""
        if self.seller_count:
            return None
        head = f"Nothing can be coached: 0 of {self.users} users resolved to a sales role ({', '.join(SELLER_ROLES)})."
        if not self.users:
            return head + " No Salesforce user was loaded: deliver crm/User (and crm/UserRole) in the landing zone."
        parts = []
        if self.role_names:
            parts.append(f"Their UserRole names are {_names(self.role_names, _quoted)}")
        if self.role_field_values:
            parts.append(f"their {self.role_field} values are {_names(self.role_field_values, _quoted)}")
        if not parts:
            return (f"{head} None of them has a {self.role_field} value (crm.role_field) or a UserRole name; "
                    "set crm.role_field (settings.yaml, COACHING_CONFIG) to the user field holding "
                    "AE, AM, CSM, SDR or MANAGER, or deliver crm/UserRole.")
        return f"{head} {'; '.join(parts)}; set crm.role_patterns (settings.yaml, COACHING_CONFIG) to map them."

    def lines(self) -> list[str]:
        """The plain text form: a few lines, CRM values cleaned of control characters."""
        return self._lines(_plain, "  ")

    def markdown(self) -> str:
        """The same lines as Markdown (Dagster metadata), CRM values escaped for Markdown."""
        head, *rest = self._lines(lambda v: md_escape(_plain(v)), "- ")
        return "\n".join([f"**{head}**", "", *rest])

    def _lines(self, esc: Callable[[str], str], bullet: str) -> list[str]:
        def quote(value: str) -> str:
            return f"'{esc(value)}'"

        def source(name: str) -> str:
            return {"role_field": f"role field {esc(self.role_field)}", "user_role": "UserRole name"}.get(name, name)

        def by_source(counts: dict[str, int]) -> str:
            return ", ".join(f"{source(s)} {n}" for s, n in sorted(counts.items()))

        manager_count = sum(self.managers.values())
        sellers = "; ".join(f"{role} {sum(by.values())} ({by_source(by)})" for role, by in self.sellers.items())
        without = "none"
        if self.without_role:
            names = [f"{quote(n) if n is not None else 'no UserRole'} ({c})" for n, c in self.without_role_names]
            without = f"{self.without_role} ({'UserRole names ' if names else ''}{', '.join(names)})"
        top = _names(self.managers_without_manager, quote) if self.managers_without_manager else "none"
        if self.sellers_without_manager:
            top += f"; sellers without a manager: {self.sellers_without_manager}"
        rejected = (_names([f"{f}: {e}" if not e.startswith(f) else e for f, e in self.files_rejected],
                           esc) if self.files_rejected else "none")
        quarantined = sum(self.quarantined.values())
        if quarantined:
            quarantined = f"{quarantined} ({', '.join(f'{t} {n}' for t, n in self.quarantined.items())})"
        unused = "; ".join(f"raw.{t}: {esc(', '.join(cols))}" for t, cols in self.unused_columns.items()) or "none"
        return [
            f"Preflight: {_count(self.users, 'user')}: {_count(self.seller_count, 'seller')}, "
            f"{_count(manager_count, 'manager')}, {self.without_role} without a role",
            f"{bullet}sellers by role: {sellers or 'none'}",
            f"{bullet}managers: {manager_count}" + (f" ({by_source(self.managers)})" if manager_count else ""),
            f"{bullet}without a role: {without}",
            f"{bullet}managers without a manager (their sellers' escalations go to them): {top}",
            f"{bullet}as_of {self.as_of}: {_AS_OF_SOURCES.get(self.as_of_source, self.as_of_source)}"
            + ("" if self.as_of_source == "latest_event" else f"; latest event {self.latest_event_date or 'none'}")
            + (f"; {_count(self.events_after_today, 'event')} dated after today, not used until their day"
               if self.events_after_today else ""),
            f"{bullet}files rejected: {rejected}",
            f"{bullet}rows in raw.quarantine: {quarantined}",
            f"{bullet}columns delivered that the landing-zone spec does not declare (kept in raw, not used): {unused}",
        ]


def _plain(value: str) -> str:
    """A CRM value on one line, without control or bidi characters."""
    return " ".join((clean(value) or "").split("\n"))


def _quoted(value: str) -> str:
    return f"'{_plain(value)}'"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _names(values: list[str], quote: Callable[[str], str]) -> str:
    shown = ", ".join(quote(v) for v in values[:_SHOWN])
    return shown + (f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else "")


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, set[str]]:
    rows = con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ?", [schema]
    ).fetchall()
    tables: dict[str, set[str]] = {}
    for table, column in rows:
        tables.setdefault(table, set()).add(column)
    return tables


def unused_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Per raw table, the columns a file delivered that the spec does not declare: the loader
    adds them as text (readers.Delivery.extra_columns) and no staging model selects them."""
    from .ingest import configured_objects
    from .ingest.objects import LOAD_METADATA_COLUMNS

    raw = _tables(con, "raw")
    out = {}
    for obj in configured_objects():
        extra = raw.get(obj.name, set()) - {c.name for c in obj.columns} - set(LOAD_METADATA_COLUMNS)
        if extra:
            out[obj.name] = sorted(extra)
    return out


def preflight(con: duckdb.DuckDBPyConnection) -> Preflight:
    """The report of the warehouse `con` opens (dbt built: int_users and int_as_of exist)."""
    role_field = settings().crm.role_field
    users = con.execute(
        "select role, role_source, is_seller, user_role_name, sales_role_field, count(*) "
        "from intermediate.int_users group by all order by count(*) desc, user_role_name nulls last"
    ).fetchall()
    sellers: dict[str, dict[str, int]] = {}
    managers: dict[str, int] = {}
    without: dict[str | None, int] = {}
    role_names: dict[str, int] = {}
    field_values: dict[str, int] = {}
    for role, role_source, is_seller, role_name, field_value, n in users:
        if role_name is not None:
            role_names[role_name] = role_names.get(role_name, 0) + n
        if is_seller:
            by = sellers.setdefault(role, {})
            by[role_source] = by.get(role_source, 0) + n
        elif role == "MANAGER":
            managers[role_source] = managers.get(role_source, 0) + n
        else:
            without[role_name] = without.get(role_name, 0) + n
            if field_value is not None:
                field_values[field_value] = field_values.get(field_value, 0) + n
    top = con.execute(
        "select coalesce(manager_name, manager_id) from intermediate.int_users "
        "where is_seller and manager_id is not null and slm_id is null group by all order by 1"
    ).fetchall()
    no_manager = con.execute(
        "select count(*) from intermediate.int_users where is_seller and manager_id is null").fetchone()[0]
    as_of = con.execute(
        "select as_of, as_of_source, latest_event_date, events_after_today from intermediate.int_as_of"
    ).fetchone()
    raw = _tables(con, "raw")
    rejected, quarantined = [], {}
    if "_loaded_files" in raw:
        # a file whose last attempt failed and that never loaded (as runner.report lists them)
        rejected = con.execute(
            "select file, any_value(error) from raw._loaded_files f where status = 'failed' and not exists "
            "(select 1 from raw._loaded_files l where l.file = f.file and l.status = 'loaded') group by file order by file"
        ).fetchall()
    if "quarantine" in raw:
        quarantined = dict(con.execute(
            "select source, count(*) from raw.quarantine group by source order by source").fetchall())

    def ranked(counts: dict) -> list:
        return sorted(counts, key=lambda k: (-counts[k], k is None, k or ""))

    return Preflight(
        role_field=role_field,
        users=sum(row[-1] for row in users),
        sellers={role: sellers[role] for role in SELLER_ROLES if role in sellers},
        managers=managers,
        without_role=sum(without.values()),
        without_role_names=[(name, without[name]) for name in ranked(without)][:_SHOWN],
        role_names=ranked(role_names),
        role_field_values=ranked(field_values),
        managers_without_manager=[name for (name,) in top],
        sellers_without_manager=no_manager,
        # The dbt step passes the latest event date it found as an explicit as_of, so dbt says
        # 'var' for it too: an as_of that is the latest event is reported as what it is.
        as_of=as_of[0], as_of_source="latest_event" if as_of[0] == as_of[2] else as_of[1],
        latest_event_date=as_of[2], events_after_today=as_of[3],
        files_rejected=[(f, e or "") for f, e in rejected],
        quarantined=quarantined,
        unused_columns=unused_columns(con),
    )


def read(warehouse: str | Path) -> Preflight:
    """The report of a warehouse file, opened read-only."""
    con = open_warehouse(warehouse, read_only=True)
    try:
        return preflight(con)
    finally:
        con.close()


def lines_of(warehouse: str | Path) -> list[str]:
    """The text form for `coaching run`; a warehouse that cannot be read gives one line
    saying so instead of stopping the run's summary."""
    try:
        return read(warehouse).lines()
    except duckdb.Error as exc:
        return [f"Preflight not read: {(str(exc).strip().splitlines() or [''])[0]}"]
