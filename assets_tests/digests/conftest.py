"""The digest modules' fixtures: the October sample, built once per test worker (the
modules that use it share the xdist group "sample"), and the local Messages API."""

from __future__ import annotations

import shutil
import threading
import time

import pytest
from dagster import DagsterInstance, materialize

from coaching_pipeline.assets.coaching import daily_flags
from coaching_pipeline.coaching import approvals
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.digests import charts
from coaching_pipeline.resources import RunSettings, Warehouse

from .october import (
    AI_ENV,
    MARKUP_TITLE,
    MODIFIED_ACTION,
    SCRIPT_ACCOUNT,
    WEEKS,
    MessagesAPI,
    render,
    run_weeks,
)


@pytest.fixture(scope="session")
def sample(sample_built, tmp_path_factory):
    """The sample with four weeks of coaching, October daily flags, decisions and markup
    planted, rendered once without an API key."""
    landing, built, _ = sample_built
    root = tmp_path_factory.mktemp("digests")
    warehouse = root / "warehouse" / "coaching.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(built, warehouse)
    run_weeks(warehouse, WEEKS)
    # a nightly run in October raises the month's daily flags
    assert materialize([daily_flags], instance=DagsterInstance.ephemeral(), resources={
        "warehouse": Warehouse(path=str(warehouse)),
        "run": RunSettings(as_of="2026-10-20", output_dir=str(root / "out")),
    }).success

    con = open_warehouse(warehouse)
    try:
        # a rep with at least two events open (not queued) at the end of October: one approved, one dismissed
        rep_id, manager_id = con.execute("""
            select rep_id, any_value(manager_id) from coaching.coaching_log
            where status = 'open' and not coalesce(queued, false) and opened_on <= date '2026-10-31'
            group by rep_id having count(*) >= 2 order by rep_id limit 1""").fetchone()
        events = con.execute("""
            select coaching_id, recommended_action, pattern_detected from coaching.coaching_log
            where rep_id = ? and status = 'open' and not coalesce(queued, false)
            order by weeks_flagged desc, coaching_id""", [rep_id]).fetchall()  # queued: not for a decision
        approved, dismissed = events[0], events[1]
        approvals.approve(con, approved[0], by=manager_id)
        approvals.dismiss(con, dismissed[0], by=manager_id, note="not a priority")
        other_rep, other_event, other_manager = con.execute("""
            select rep_id, coaching_id, manager_id from coaching.coaching_log
            where status = 'open' and rep_id <> ? order by rep_id, coaching_id limit 1""", [rep_id]).fetchone()
        approvals.modify(con, other_event, by=other_manager, action=MODIFIED_ACTION)
        # a rep of the same manager whose recommendation still waits for the manager's decision
        pending_rep = con.execute("""
            select rep_id from coaching.coaching_log
            where manager_id = ? and status = 'open' and approval_status = 'pending_approval'
              and not coalesce(queued, false) and opened_on <= date '2026-10-31'
            order by rep_id limit 1""", [manager_id]).fetchone()[0]
        # CRM and call text holding markup
        # the rep's first next best action its digest shows (more than 90 days past due is hygiene)
        opp = con.execute("""select opportunity_id from marts.next_best_actions
                             where rep_id = ? and close_date >= date '2026-11-13' - 90
                             order by rank_for_rep limit 1""", [rep_id]).fetchone()[0]
        con.execute("update marts.next_best_actions set account_name = ? where opportunity_id = ?", [SCRIPT_ACCOUNT, opp])
        con.execute("update marts.deal_health_scores set account_name = ? where opportunity_id = ?", [SCRIPT_ACCOUNT, opp])
        con.execute("""update intermediate.int_gong_calls set title = ?
                       where rep_id = ? and is_external and call_date between '2026-10-01' and '2026-10-31'""",
                    [MARKUP_TITLE, rep_id])
        sellers = dict(con.execute(
            "select user_id, user_name from intermediate.int_users where is_seller").fetchall())
        # customer contacts of each rep's next best actions (a customer may share a seller's name)
        contacts: dict[str, set[str]] = {}
        for rep, contact in con.execute(
                "select rep_id, contact_name from marts.next_best_actions where contact_name is not null").fetchall():
            contacts.setdefault(rep, set()).add(contact)
    finally:
        con.close()

    charts.clear_cache()
    with pytest.MonkeyPatch.context() as mp:
        for name in AI_ENV:
            mp.delenv(name, raising=False)
        started = time.perf_counter()
        folder, metadata = render(warehouse, root / "out")
        seconds = time.perf_counter() - started
    return {
        "warehouse": warehouse, "root": root, "folder": folder, "metadata": metadata, "seconds": seconds,
        "rep_id": rep_id, "manager_id": manager_id, "approved": approved, "dismissed": dismissed,
        "other_rep": other_rep, "pending_rep": pending_rep, "sellers": sellers, "contacts": contacts,
    }


@pytest.fixture
def api(sample):
    server = MessagesAPI()
    server.names = sorted(sample["sellers"].values())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
