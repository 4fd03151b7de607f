"""What the admin page reads, added to the tiny published file of app_org.build_published: a
marts.publication and the ops schema, the latter made by the real publish code
(assets/publish.py) from a hand-made ingestion ledger and quarantine with the real raw DDL,
so the page is tested against the columns publishing writes. Times are relative to `now`
(the server reads the clock), so which source is stale does not depend on the day.

The ledger: a load 26 h ago (crm/User.csv, and a first rejection of the broken file), the
latest load 2 h ago (an Opportunity delta with 3 rows quarantined, the broken file rejected a
second time, an activity file), and gong, whose only file loaded 5 days ago: stale. And a
decisions store with hand-made rows: one decision waiting, one applied, one undone; one open
escalation request, one resolved; refusals 1 h, 2 days and 8 days ago.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from coaching_pipeline.assets.publish import _publish_ops
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.ingest.loader import ensure_raw_tables
from coaching_pipeline.workbench.store import open_store
from coaching_pipeline.workbench.store.models import AuditEntry, Decision, EscalationRequest

BROKEN = "crm/Opportunity__broken.csv"
BROKEN_REASON = f"{BROKEN}: missing required column 'OwnerId' (or 'owner_id'); nothing loaded from this file"
RUN_ID = "run-42"


def ledger(now: dt.datetime) -> list[tuple]:
    """(file, object, status, rows_read, rows_loaded, rows_quarantined, error, loaded_at)."""
    two = now - dt.timedelta(hours=2)
    return [
        ("gong/calls_0001.json", "gong_calls", "loaded", 4, 4, 0, None, now - dt.timedelta(days=5)),
        ("crm/User.csv", "user", "loaded", 6, 6, 0, None, now - dt.timedelta(hours=26)),
        (BROKEN, "opportunity", "failed", None, None, None, BROKEN_REASON, now - dt.timedelta(hours=26, minutes=-1)),
        ("crm/Opportunity__2026-11-13.csv", "opportunity", "loaded", 10, 7, 3, None, two),
        (BROKEN, "opportunity", "failed", None, None, None, BROKEN_REASON, two + dt.timedelta(minutes=1)),
        ("activity/activities_2026-11.csv", "activities", "loaded", 20, 20, 0, None, two + dt.timedelta(minutes=2)),
    ]


def add_admin_tables(published: Path, now: dt.datetime) -> Path:
    warehouse = published.with_name("admin-warehouse.duckdb")
    con = open_warehouse(warehouse)
    try:
        ensure_raw_tables(con, [])
        for file, obj, status, read, loaded, quarantined, error, at in ledger(now):
            con.execute("insert into raw._loaded_files (file, object, checksum, size_bytes, modified_ns, status, "
                        "rows_read, rows_loaded, rows_superseded, rows_merged, rows_quarantined, error, loaded_at) "
                        "values (?, ?, 'sha', 100, ?, ?, ?, ?, 0, 0, ?, ?, ?)",
                        [file, obj, int((at - dt.timedelta(minutes=5)).replace(tzinfo=dt.UTC).timestamp() * 1e9),
                         status, read, loaded, quarantined, error, at])
        at = now - dt.timedelta(hours=2)
        opp = "crm/Opportunity__2026-11-13.csv"
        con.executemany("insert into raw.quarantine values ('opportunity', ?, ?, ?, '{}', ?)", [
            (opp, 9, "Amount: must be >= 0 (got '-7')", at), (opp, 4, "Amount: must be >= 0 (got '-1')", at),
            (opp, 2, "OwnerId: required value missing", at)])
        con.execute(f"attach '{published}' as published")
        ops = _publish_ops(con)
        con.execute("create table published.marts.publication (table_schema varchar, table_name varchar, "
                    "row_count bigint, published_at timestamp, as_of date, dagster_run_id varchar)")
        tables = [("marts", "sellers", 3), ("marts", "rep_performance", 6), ("coaching", "coaching_log", 8), *ops]
        con.executemany("insert into published.marts.publication values (?, ?, ?, ?, '2026-11-13', ?)",
                        [(s, t, n, now - dt.timedelta(hours=1), RUN_ID) for s, t, n in tables])
        con.execute("detach published")
    finally:
        con.close()
    return published


def without_ops(published: Path) -> Path:
    """The tiny file as a publication from before the ops schema: marts.publication only."""
    con = duckdb.connect(str(published))
    con.execute("create table marts.publication as select 'marts' as table_schema, 'sellers' as table_name, "
                "3::bigint as row_count, timestamp '2026-11-14 02:10' as published_at, date '2026-11-13' as as_of, "
                "null::varchar as dagster_run_id")
    con.close()
    return published


def admin_store(path: Path, now: dt.datetime):
    """A SQLite decisions store with the hand-made rows of the module docstring."""
    store = open_store(f"sqlite:///{path}")
    h = dt.timedelta(hours=1)
    with store.sessions.begin() as session:
        session.add_all([
            Decision(coaching_id="c3", rep_id="r1", decision="approved", action_text="Qualify harder",
                     decided_by="m1", decided_at=now - 3 * h),
            Decision(coaching_id="c6", rep_id="r2", decision="dismissed", note="seasonal", decided_by="m1",
                     decided_at=now - 30 * h, applied_at=now - 20 * h),
            Decision(coaching_id="c7", rep_id="r3", decision="approved", action_text="x", decided_by="m2",
                     decided_at=now - 50 * h, undone_at=now - 49 * h),
            EscalationRequest(rep_id="r3", requested_by="m2", note="stuck", requested_at=now - 48 * h,
                              applied_at=now - 20 * h),
            EscalationRequest(rep_id="r1", requested_by="m1", note="done", requested_at=now - 100 * h,
                              applied_at=now - 90 * h, resolved_by="s1", resolved_at=now - 80 * h,
                              resolution_note="coached"),
            AuditEntry(at=now - h, actor="r1", action="view_rep", target="r2", allowed=False,
                       detail="dashboard page"),
            AuditEntry(at=now - 48 * h, actor=None, action="csrf", target="/signin", allowed=False,
                       detail="no CSRF token"),
            AuditEntry(at=now - 8 * 24 * h, actor="r3", action="view_rep", target="r1", allowed=False),
            AuditEntry(at=now - 2 * h, actor="m1", action="decide", target="c3", allowed=True),
        ])
    return store
