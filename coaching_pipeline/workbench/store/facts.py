"""The facts a decision is checked against, read from the PUBLISHED analytics file
(analytics.duckdb beside the warehouse, assets/publish.py): coaching.coaching_log for the
events, marts.sellers for who manages whom (manager_id, slm_id), marts.next_best_actions for
which deal's action belongs to which rep. Read-only: the nightly run may hold the warehouse.

Who may decide on a rep: their current manager (marts.sellers.manager_id, else the event's
manager_id when the seller is not in the marts), or the SLM above that manager
(marts.sellers.slm_id, else the event's slm_id): the workbench contract lets an SLM do
everything a manager may for the org under them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ...coaching.approvals import ApprovalRefused
from ...paths import published_path


class NoPublishedFile(ApprovalRefused):
    """No analytics.duckdb yet: nothing to check a decision against."""


def open_published(warehouse: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    path = published_path(warehouse)
    if not Path(path).exists():
        raise NoPublishedFile(f"no published analytics file at {path}; build it first with: coaching run")
    return duckdb.connect(str(path), read_only=True)


def _has(con, schema: str, table: str) -> bool:
    return con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, table]
    ).fetchone()[0] > 0


@dataclass(frozen=True)
class Rep:
    rep_id: str
    role: str | None
    manager_id: str | None
    slm_id: str | None

    def deciders(self) -> set[str]:
        return {u for u in (self.manager_id, self.slm_id) if u}


class Facts:
    """Look-ups on one open connection to the published file (or any file with its layout)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def event(self, coaching_id: str) -> dict | None:
        if not _has(self.con, "coaching", "coaching_log"):
            return None
        cur = self.con.execute("select * from coaching.coaching_log where coaching_id = ?", [coaching_id])
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None

    def rep(self, rep_id: str) -> Rep | None:
        seller = None
        if _has(self.con, "marts", "sellers"):
            seller = self.con.execute("select role, manager_id, slm_id from marts.sellers where rep_id = ?",
                                      [rep_id]).fetchone()
        event = None
        if _has(self.con, "coaching", "coaching_log"):
            event = self.con.execute(
                "select role, manager_id, slm_id from coaching.coaching_log where rep_id = ? "
                "order by last_assessed_on desc nulls last, coaching_id limit 1", [rep_id]).fetchone()
        if seller is None and event is None:
            return None
        seller = seller or (None, None, None)
        event = event or (None, None, None)
        return Rep(rep_id, seller[0] or event[0], seller[1] or event[1], seller[2] or event[2])

    def action_owner(self, opportunity_id: str) -> str | None:
        """The rep whose next best action the deal is, or None when it has none."""
        if not _has(self.con, "marts", "next_best_actions"):
            return None
        row = self.con.execute("select rep_id from marts.next_best_actions where opportunity_id = ?",
                               [opportunity_id]).fetchone()
        return row[0] if row else None
