"""Fixtures of the decisions-store tests (imported by test_store_*.py): a tiny hand-made
warehouse with its published copy, and a store on SQLite or on a real PostgreSQL server (one
throwaway cluster per session, a fresh database per test).

The warehouse: week 1 of assets_tests/coaching/helpers.py (pending events R1 skill:discovery
and skill:closing of manager M1, R3 skill:negotiation of manager M2, SLM S1), plus
marts.sellers and marts.next_best_actions written by hand (R9: a seller without an SLM)."""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from coaching_pipeline.coaching.schema import ensure_schema
from coaching_pipeline.paths import published_path
from coaching_pipeline.workbench.store import Facts, open_store

from ..coaching.helpers import event_id, run_week
from ..postgres import PG_BIN, Postgres

_databases = itertools.count()


@dataclass
class World:
    warehouse: Path
    facts: Facts
    events: dict[str, str]  # "R1 discovery" -> coaching_id

    def warehouse_rows(self, sql: str, params=None) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def republish(self) -> None:
        self.facts.con.close()
        shutil.copyfile(self.warehouse, published_path(self.warehouse))
        self.facts = Facts(duckdb.connect(str(published_path(self.warehouse)), read_only=True))


@pytest.fixture
def world(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    ensure_schema(con)
    run_week(con, 1)
    con.execute("create schema marts")
    con.execute("create table marts.sellers as select * from (values ('R1', 'AE', 'M1', 'S1'), "
                "('R3', 'AM', 'M2', 'S1'), ('R9', 'AE', 'M9', null)) t(rep_id, role, manager_id, slm_id)")
    con.execute("create table marts.next_best_actions as select * from (values ('R1', 'O1'), ('R1', 'O2'), "
                "('R3', 'O3')) t(rep_id, opportunity_id)")
    events = {
        "R1 discovery": event_id(con, "R1", "skill:discovery"),
        "R1 closing": event_id(con, "R1", "skill:closing"),
        "R3 negotiation": event_id(con, "R3", "skill:negotiation"),
    }
    con.close()
    shutil.copyfile(path, published_path(path))
    built = World(path, Facts(duckdb.connect(str(published_path(path)), read_only=True)), events)
    yield built
    built.facts.con.close()


@pytest.fixture(scope="session")
def pg_server():
    if PG_BIN is None:
        pytest.skip("PostgreSQL is not installed (make test installs Debian's package)")
    server = Postgres().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'decisions.sqlite'}"
    else:
        url = request.getfixturevalue("pg_server").create_database(f"store_{next(_databases)}")
    opened = open_store(url)
    yield opened
    opened.close()


def audit_rows(store) -> list[tuple]:
    from sqlalchemy import select

    from coaching_pipeline.workbench.store import AuditEntry

    with store.sessions() as session:
        return [(e.actor, e.action, e.target, e.allowed, e.detail)
                for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def apply_now(store, world: World):
    """The coaching step's first move: apply the store to the warehouse, then publish."""
    from coaching_pipeline.workbench.store import apply_pending

    con = duckdb.connect(str(world.warehouse))
    try:
        summary = apply_pending(store, con)
    finally:
        con.close()
    world.republish()
    return summary
