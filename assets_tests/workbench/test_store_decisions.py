# ruff: noqa: F811
"""The decisions store's decisions (workbench/store/decisions.py) on SQLite and a real
PostgreSQL: decide, undo, change, supersede, and refusals that change nothing but the audit."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from coaching_pipeline.coaching.approvals import ApprovalRefused
from coaching_pipeline.workbench.store import change_decision, decide, decision_history, undo_decision

# the fixtures of store_world.py, used by name (a conftest.py here is the web app's to add)
from .store_world import apply_now, audit_rows, pg_server, store, world  # noqa: F401

pytestmark = pytest.mark.xdist_group("workbench_store")

AT = dt.datetime(2025, 1, 8, 9, 30)
LATER = dt.datetime(2025, 1, 9, 14, 0)


def columns(row) -> tuple:
    return (row.coaching_id, row.rep_id, row.decision, row.action_text, row.note, row.decided_by, row.decided_at,
            row.superseded_by, row.undone_at, row.applied_at)


def test_decide_records_who_what_when_and_audits(store, world):
    cid = world.events["R1 closing"]
    row = decide(store, world.facts, cid, "M1", "modified", action="  Shadow Mia on two closes.  ", at=AT)
    assert columns(row) == (cid, "R1", "modified", "Shadow Mia on two closes.", None, "M1", AT, None, None, None)
    assert audit_rows(store) == [("M1", "decide", cid, True, None)]
    # the warehouse is untouched until the coaching step applies it
    assert world.warehouse_rows("select approval_status from coaching.coaching_log where coaching_id = ?", [cid]) == [
        ("pending_approval",)]


def test_the_slm_above_the_manager_may_decide(store, world):
    cid = world.events["R3 negotiation"]
    row = decide(store, world.facts, cid, "S1", "dismissed", note="On leave", at=AT)
    assert (row.decision, row.decided_by, row.note, row.action_text) == ("dismissed", "S1", "On leave", None)


R1 = "R1 discovery"
REFUSALS = {
    "not_the_manager": ("M2", "approved", None,
                        "M2 is not the manager of rep R1 (manager: M1); only the rep's manager or their second-line "
                        "manager can decide on coaching event {cid}"),
    "the_rep_itself": ("R1", "dismissed", None,
                       "R1 is not the manager of rep R1 (manager: M1); only the rep's manager or their second-line "
                       "manager can decide on coaching event {cid}"),
    "empty_action_text": ("M1", "modified", "   ", "a modified action needs its new text (--action)"),
    "no_decider": (" ", "approved", None, "a decision needs the deciding manager's id (--by)"),
    "unknown_event": ("M1", "approved", None, "unknown coaching event 'C000000000000'"),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_refusals_change_nothing_but_are_audited(store, world, case):
    by, decision, action, message = REFUSALS[case]
    cid = "C000000000000" if case == "unknown_event" else world.events[R1]
    message = message.format(cid=cid)
    with pytest.raises(ApprovalRefused) as refused:
        decide(store, world.facts, cid, by, decision, action=action, at=AT)
    assert str(refused.value) == message
    assert decision_history(store, cid) == []
    assert audit_rows(store) == [(by, "decide", cid, False, message)]


def test_deciding_again_before_the_run_is_refused_change_or_undo_instead(store, world):
    cid = world.events[R1]
    first = decide(store, world.facts, cid, "M1", "approved", at=AT)
    with pytest.raises(ApprovalRefused, match=rf"^coaching event {cid} was already decided: approved by M1 at "
                       rf"2025-01-08 09:30:00 UTC \(not applied yet: undo or change that decision, {first.id}, "
                       r"instead\)$"):
        decide(store, world.facts, cid, "M1", "dismissed", at=LATER)
    assert [columns(r) for r in decision_history(store, cid)] == [columns(first)]


def test_undo_before_apply_makes_the_event_pending_again(store, world):
    cid = world.events[R1]
    first = decide(store, world.facts, cid, "M1", "approved", at=AT)
    undone = undo_decision(store, world.facts, first.id, "M1", at=LATER)
    assert undone.undone_at == LATER
    second = decide(store, world.facts, cid, "M1", "dismissed", note="Ramp plan", at=LATER)
    assert [(r.decision, r.undone_at, r.superseded_by) for r in decision_history(store, cid)] == [
        ("approved", LATER, None), ("dismissed", None, None)]
    summary = apply_now(store, world)
    assert (summary.decisions, summary.skipped) == (1, [])
    assert world.warehouse_rows(
        "select approval_status, decided_by, decided_at, decision_note, approved_action from coaching.coaching_log "
        "where coaching_id = ?", [cid]) == [("dismissed", "M1", LATER, "Ramp plan", None)]
    assert second.id != first.id
    assert [a[1] for a in audit_rows(store)] == ["decide", "undo_decision", "decide", "apply_decision"]


def test_change_before_apply_keeps_both_and_applies_the_new_one_only(store, world):
    cid = world.events[R1]
    first = decide(store, world.facts, cid, "M1", "approved", at=AT)
    changed = change_decision(store, world.facts, first.id, "M1", "modified", action="Role-play discovery", at=LATER)
    assert [(r.id, r.decision, r.superseded_by) for r in decision_history(store, cid)] == [
        (first.id, "approved", changed.id), (changed.id, "modified", None)]
    assert apply_now(store, world).decisions == 1
    assert world.warehouse_rows("select decision, decided_at, action_text from coaching.decisions") == [
        ("modified", LATER, "Role-play discovery")]


def test_after_apply_only_a_supersede_and_the_history_keeps_both(store, world):
    cid = world.events[R1]
    first = decide(store, world.facts, cid, "M1", "approved", at=AT)
    apply_now(store, world)
    for call in (lambda: undo_decision(store, world.facts, first.id, "M1", at=LATER),
                 lambda: change_decision(store, world.facts, first.id, "M1", "dismissed", at=LATER)):
        with pytest.raises(ApprovalRefused, match=rf"^decision {first.id} on coaching event {cid} was applied to the "
                           r"coaching log at .* UTC: decide again to supersede it$"):
            call()
    # the same decision again changes nothing: refused
    with pytest.raises(ApprovalRefused, match=rf"^coaching event {cid} was already decided: approved by M1 at "
                       r"2025-01-08 09:30:00 UTC$"):
        decide(store, world.facts, cid, "M1", "approved", at=LATER)
    second = decide(store, world.facts, cid, "M1", "dismissed", note="Changed my mind", at=LATER)
    history = decision_history(store, cid)
    assert [(r.id, r.decision, r.superseded_by, r.applied_at is not None) for r in history] == [
        (first.id, "approved", second.id, True), (second.id, "dismissed", None, False)]
    assert apply_now(store, world).decisions == 1
    assert world.warehouse_rows("select approval_status, decision_note, approved_action from coaching.coaching_log "
                                "where coaching_id = ?", [cid]) == [("dismissed", "Changed my mind", None)]
    assert world.warehouse_rows("select decision, decided_at from coaching.decisions order by decision_id") == [
        ("approved", AT), ("dismissed", LATER)]
    actions = [a[1:4] for a in audit_rows(store)]
    assert actions == [
        ("decide", cid, True), ("apply_decision", cid, True),
        ("undo_decision", cid, False), ("change_decision", cid, False), ("decide", cid, False),
        ("supersede_decision", cid, True), ("decide", cid, True), ("apply_decision", cid, True)]


def test_audit_keeps_before_and_after(store, world):
    cid = world.events[R1]
    first = decide(store, world.facts, cid, "M1", "approved", at=AT)
    undo_decision(store, world.facts, first.id, "M1", at=LATER)
    from sqlalchemy import select

    from coaching_pipeline.workbench.store import AuditEntry

    with store.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "undo_decision")).one()
    assert (json.loads(entry.before)["undone_at"], json.loads(entry.after)["undone_at"]) == (
        None, "2025-01-09T14:00:00")
