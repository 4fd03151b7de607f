# ruff: noqa: F811
"""Applying the decisions store to the warehouse exactly once (workbench/store/apply.py), the
escalation requests, notes and next-best-action outcomes (requests.py), and where the store
lives (engine.py); on SQLite and a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import duckdb
import pytest
from sqlalchemy import text

from coaching_pipeline.coaching.approvals import ApprovalRefused
from coaching_pipeline.coaching.ids import short_hash
from coaching_pipeline.workbench.store import (
    add_note,
    decide,
    decision_history,
    hidden_actions,
    notes,
    open_store,
    record_outcome,
    request_escalation,
    resolve_escalation,
    undo_outcome,
)
from coaching_pipeline.workbench.store.apply import apply_pending, write_to_warehouse

# the fixtures of store_world.py, used by name (a conftest.py here is the web app's to add)
from .store_world import apply_now, audit_rows, pg_server, store, world  # noqa: F401

pytestmark = pytest.mark.xdist_group("workbench_store")

AT = dt.datetime(2025, 1, 8, 9, 30)
TODAY = dt.date(2025, 1, 8)


def decide_two_and_escalate(store, world):
    decide(store, world.facts, world.events["R1 discovery"], "M1", "approved", at=AT)
    decide(store, world.facts, world.events["R3 negotiation"], "M2", "dismissed", note="On leave", at=AT)
    return request_escalation(store, world.facts, "R3", "M2", " Asked for help ", at=AT)


def counts(world) -> tuple:
    return world.warehouse_rows(
        "select (select count(*) from coaching.decisions), (select count(*) from coaching.escalations "
        "where rule = 'manual'), (select count(*) from coaching.applied_decisions)")[0]


def test_apply_twice_applies_once(store, world):
    decide_two_and_escalate(store, world)
    first = apply_now(store, world)
    assert (first.decisions, first.escalations, first.skipped, first.marked) == (2, 1, [], 3)
    second = apply_now(store, world)
    assert (second.decisions, second.escalations, second.marked) == (0, 0, 0)
    assert counts(world) == (3, 1, 3)
    assert world.warehouse_rows("select store_kind, store_id, result from coaching.applied_decisions order by all") == [
        ("decision", 1, "applied"), ("decision", 2, "applied"), ("escalation_request", 1, "applied")]
    assert all(r.applied_at is not None for r in decision_history(store, world.events["R1 discovery"]))


def test_a_crash_after_the_warehouse_commit_never_applies_twice(store, world):
    decide_two_and_escalate(store, world)
    con = duckdb.connect(str(world.warehouse))
    write_to_warehouse(store, con)  # committed; the process "dies" before marking the store
    con.close()
    assert decision_history(store, world.events["R1 discovery"])[0].applied_at is None
    con = duckdb.connect(str(world.warehouse))
    again = apply_pending(store, con)
    con.close()
    assert (again.decisions, again.escalations, again.marked) == (0, 0, 3)
    assert counts(world) == (3, 1, 3)
    assert decision_history(store, world.events["R1 discovery"])[0].applied_at is not None


def test_a_decision_made_while_a_run_holds_the_warehouse_is_applied_by_the_next(store, world):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "c.execute('select 1'); print('ready', flush=True); sys.stdin.read()", str(world.warehouse)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(duckdb.IOException):  # the warehouse is locked by the "run"
            duckdb.connect(str(world.warehouse))
        row = decide(store, world.facts, world.events["R1 closing"], "M1", "modified", action="Two closes", at=AT)
        assert row.applied_at is None
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert apply_now(store, world).decisions == 1
    assert world.warehouse_rows("select approval_status, approved_action from coaching.coaching_log "
                                "where coaching_id = ?", [world.events["R1 closing"]]) == [("modified", "Two closes")]


def test_a_new_store_is_not_taken_for_the_old_one(store, world, tmp_path):
    decide(store, world.facts, world.events["R1 discovery"], "M1", "approved", at=AT)
    apply_now(store, world)
    other = open_store(f"sqlite:///{tmp_path / 'new.sqlite'}")  # its ids restart at 1
    try:
        assert decide(other, world.facts, world.events["R1 closing"], "M1", "approved", at=AT).id == 1
        assert apply_now(other, world).decisions == 1
    finally:
        other.close()


def test_escalation_request_applied_as_a_manual_escalation_and_resolved_by_the_slm(store, world):
    request = request_escalation(store, world.facts, "R3", "M2", " Asked for help ", at=AT)
    assert (request.rep_id, request.requested_by, request.note, request.requested_at) == ("R3", "M2", "Asked for help", AT)
    for by, message in [("M1", "M1 is not the manager of rep R3 (manager: M2); only the rep's manager can escalate them"),
                        ("M2", "an escalation needs a note (--note) saying why")]:
        with pytest.raises(ApprovalRefused) as refused:
            request_escalation(store, world.facts, "R3", by, "x" if by == "M1" else " ", at=AT)
        assert str(refused.value) == message
    with pytest.raises(ApprovalRefused, match="^unknown rep 'R404'$"):
        request_escalation(store, world.facts, "R404", "M1", "x", at=AT)
    apply_now(store, world)
    assert world.warehouse_rows("select escalation_id, rep_id, escalated_to, manager_id, slm_id, escalation_date, "
                                "reason, escalated_by, escalated_at from coaching.escalations where rule = 'manual'") == [
        (short_hash("E", "manual", "R3", "M2", AT.isoformat()), "R3", "slm", "M2", "S1", TODAY, "Asked for help",
         "M2", AT)]
    with pytest.raises(ApprovalRefused, match=r"^M2 is not the second-line manager of rep R3 \(S1\)"):
        resolve_escalation(store, world.facts, request.id, "M2", "Talked to them")
    resolved = resolve_escalation(store, world.facts, request.id, "S1", " Plan agreed ", at=AT)
    assert (resolved.resolved_by, resolved.resolved_at, resolved.resolution_note) == ("S1", AT, "Plan agreed")
    assert [(a[0], a[1], a[3]) for a in audit_rows(store)] == [
        ("M2", "escalate", True), ("M1", "escalate", False), ("M2", "escalate", False), ("M1", "escalate", False),
        ("coaching run", "apply_escalation_request", True), ("M2", "resolve_escalation", False),
        ("S1", "resolve_escalation", True)]


def test_notes(store, world):
    note = add_note(store, world.facts, "R1", "M1", " Strong week ", at=AT)
    assert (note.rep_id, note.author, note.text, note.created_at) == ("R1", "M1", "Strong week", AT)
    for author, body, message in [
        ("M2", "x", "M2 is not the manager of rep R1 (manager: M1); only the rep's manager or their second-line "
                    "manager can write notes on them"),
        ("M1", "  ", "a note needs its text"),
    ]:
        with pytest.raises(ApprovalRefused) as refused:
            add_note(store, world.facts, "R1", author, body)
        assert str(refused.value) == message
    assert [n.text for n in notes(store, "R1")] == ["Strong week"]
    assert [a[3] for a in audit_rows(store)] == [True, False, False]


def test_action_outcomes_hide_actions_until_their_date_and_reach_the_warehouse(store, world):
    record_outcome(store, world.facts, "O1", "R1", "done", today=TODAY, at=AT)
    deferred = record_outcome(store, world.facts, "O2", "R1", "deferred", today=TODAY,
                              deferred_until=dt.date(2025, 1, 11), reason="Buyer on holiday", at=AT)
    assert hidden_actions(store, "R1", TODAY) == {"O1", "O2"}
    assert hidden_actions(store, "R1", dt.date(2025, 1, 11)) == {"O1"}  # back on its date
    for args, message in [
        (("O1", "R3", "done"), "R3 is not the rep of the next best action on O1; only that rep can mark it done or "
                               "deferred"),
        (("O9", "R1", "done"), "unknown next best action for opportunity 'O9'"),
        (("O2", "R1", "deferred"), "a deferred action needs a date after today (2025-01-08) to come back on"),
    ]:
        with pytest.raises(ApprovalRefused) as refused:
            record_outcome(store, world.facts, *args, today=TODAY)
        assert str(refused.value) == message
    undo_outcome(store, deferred.id, "R1", at=AT)
    assert hidden_actions(store, "R1", TODAY) == {"O1"}
    apply_now(store, world)
    assert world.warehouse_rows("select outcome_id, opportunity_id, rep_id, outcome, deferred_until, reason, "
                                "undone_at is not null from coaching.action_outcomes order by outcome_id") == [
        (1, "O1", "R1", "done", None, None, False),
        (2, "O2", "R1", "deferred", dt.date(2025, 1, 11), "Buyer on holiday", True)]


def test_open_store_default_file_and_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COACHING_DATABASE_URL", raising=False)
    default = open_store()
    try:
        assert (tmp_path / "data" / "app" / "decisions.sqlite").exists()
        with default.engine.connect() as con:
            assert con.execute(text("pragma foreign_keys")).scalar() == 1
            assert con.execute(text("pragma busy_timeout")).scalar() == 10_000
        uuid = default.uuid()
    finally:
        default.close()
    reopened = open_store()  # migrations already at head: nothing changes
    assert reopened.uuid() == uuid
    reopened.close()
    monkeypatch.setenv("COACHING_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.sqlite'}")
    open_store().close()
    assert (tmp_path / "elsewhere.sqlite").exists()
