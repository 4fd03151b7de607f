"""The approval gate (coaching/approvals.py) and the `coaching approvals` / `coaching
escalate` commands: approve / modify / dismiss recording who and when, refusals that change
nothing, the current manager deciding, the pending list, manual escalations."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import duckdb
import pytest
from click.testing import CliRunner

from coaching_pipeline.cli import main
from coaching_pipeline.coaching import approvals
from coaching_pipeline.coaching.approvals import ApprovalRefused
from coaching_pipeline.coaching.schema import ensure_schema
from coaching_pipeline.paths import published_path
from coaching_pipeline.workbench.store import apply_pending, open_store

from .helpers import event_id, md5_id, run_week, snapshot

# --- approval gate ------------------------------------------------------------------------------


@pytest.fixture
def gated(con):
    """Week 1 saved and replayed: pending events for R1 (manager M1) and R3 (manager M2)."""
    run_week(con, 1)
    return con


@pytest.mark.parametrize(
    ("decision", "args", "status", "approved_action", "note"),
    [
        ("approve", (), "approved", "RECOMMENDED", None),
        ("modify", ("  Role-play discovery with Mia on Friday.  ",), "modified",
         "Role-play discovery with Mia on Friday.", None),
        ("dismiss", ("Already on a ramp plan.",), "dismissed", None, "Already on a ramp plan."),
    ],
)
def test_decisions_record_who_and_when(gated, decision, args, status, approved_action, note):
    cid = event_id(gated, "R1", "skill:discovery")
    recommended = gated.execute("select recommended_action from coaching.coaching_log where coaching_id = ?",
                                [cid]).fetchone()[0]
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    event = getattr(approvals, decision)(gated, cid, "M1", *args)
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    expected_action = recommended if approved_action == "RECOMMENDED" else approved_action
    assert (event["approval_status"], event["decided_by"], event["approved_action"], event["decision_note"]) == (
        status, "M1", expected_action, note)
    assert before <= event["decided_at"] <= after
    assert gated.execute("select coaching_id, rep_id, decision, decided_by, decided_at, action_text, note "
                         "from coaching.decisions").fetchall() == [
        (cid, "R1", status, "M1", event["decided_at"], expected_action, note)]
    # the other events are untouched and still pending
    assert gated.execute("select count(*) from coaching.coaching_log where approval_status = 'pending_approval'"
                         ).fetchone() == (2,)


REFUSALS = {
    "unknown_id": (lambda con, cid: approvals.approve(con, "C000000000000", "M1"), "unknown coaching event"),
    "approve_twice": (lambda con, cid: approvals.approve(con, cid, "M1"), "already decided: approved by M1"),
    "modify_after_approve": (lambda con, cid: approvals.modify(con, cid, "M1", "x"), "already decided"),
    "dismiss_after_approve": (lambda con, cid: approvals.dismiss(con, cid, "M1"), "already decided"),
    "other_manager": (lambda con, cid: approvals.approve(con, event_id(con, "R3", "skill:negotiation"), "M1"),
                      "M1 is not the manager of rep R3 (manager: M2)"),
    "the_rep_itself": (lambda con, cid: approvals.dismiss(con, event_id(con, "R3", "skill:negotiation"), "R3"),
                       "R3 is not the manager of rep R3"),
    "empty_modification": (lambda con, cid: approvals.modify(con, event_id(con, "R3", "skill:negotiation"), "M2", " "),
                           "needs its new text"),
    "escalate_not_manager": (lambda con, cid: approvals.escalate_manually(con, "R1", "M2", "note"),
                             "M2 is not the manager of rep R1 (manager: M1)"),
    "escalate_unknown_rep": (lambda con, cid: approvals.escalate_manually(con, "R404", "M1", "note"), "unknown rep"),
    "escalate_without_note": (lambda con, cid: approvals.escalate_manually(con, "R1", "M1", "  "), "needs a note"),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_refusals_change_nothing(gated, case):
    call, message = REFUSALS[case]
    cid = event_id(gated, "R1", "skill:discovery")
    approvals.approve(gated, cid, "M1")  # one decided event, for the "already decided" cases
    before = snapshot(gated)
    with pytest.raises(ApprovalRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(gated, cid)
    assert snapshot(gated) == before


def test_current_manager_from_int_users_decides(gated):
    # R3 moved from M2 to M5 since the last replay: M5 may decide, M2 may not
    gated.execute("create schema intermediate")
    gated.execute("create table intermediate.int_users as select 'R3' as user_id, 'Rosa Cruz' as user_name, "
                  "'AM' as role, 'M5' as manager_id, 'S2' as slm_id")
    cid = event_id(gated, "R3", "skill:negotiation")
    with pytest.raises(ApprovalRefused, match="M2 is not the manager of rep R3 \\(manager: M5\\)"):
        approvals.approve(gated, cid, "M2")
    assert approvals.approve(gated, cid, "M5")["decided_by"] == "M5"


def test_list_pending(gated):
    pending = approvals.list_pending(gated)
    assert pending.select("rep_id", "rep_name", "manager_id", "pattern_key", "weeks_flagged", "escalated_to_slm").rows() == [
        ("R1", "Rita Ames", "M1", "skill:closing", 1, False),
        ("R1", "Rita Ames", "M1", "skill:discovery", 1, False),
        ("R3", "Rosa Cruz", "M2", "skill:negotiation", 1, False),
    ]
    assert approvals.list_pending(gated, "M2")["rep_id"].to_list() == ["R3"]
    approvals.dismiss(gated, event_id(gated, "R3", "skill:negotiation"), "M2")
    assert approvals.list_pending(gated, "M2").is_empty()
    run_week(gated, 2)  # R1 closing clears at week 2: resolved, no longer listed
    assert approvals.list_pending(gated)["pattern_key"].to_list() == ["skill:discovery"]
    assert approvals.list_pending(gated, include_resolved=True)["pattern_key"].to_list() == [
        "skill:closing", "skill:discovery"]


def test_manual_escalation(gated):
    at = dt.datetime(2025, 1, 8, 9, 30)
    row = approvals.escalate_manually(gated, "R1", "M1", "  Missed three forecast calls.  ", at=at)
    stored = gated.execute(
        "select escalation_id, rep_id, role, rule, pattern_key, coaching_id, escalated_to, manager_id, slm_id, "
        "escalation_date, reason, escalated_by, escalated_at, history from coaching.escalations where rule = 'manual'"
    ).fetchall()
    assert stored == [(
        md5_id("E", "manual", "R1", "M1", "2025-01-08T09:30:00"), "R1", "AE", "manual", "manual", None, "slm",
        "M1", "S1", dt.date(2025, 1, 8), "Missed three forecast calls.", "M1", at,
        json.dumps([{"assessment_date": "2025-01-06", "overall_score": 55.0, "level": "Needs Coaching",
                     "cohort_percentile": 10.0}]),
    )]
    assert row["escalation_id"] == stored[0][0]
    assert gated.execute("select coaching_id, rep_id, decision, decided_by, decided_at, note from coaching.decisions"
                         ).fetchall() == [(None, "R1", "escalated", "M1", at, "Missed three forecast calls.")]


# --- command line -------------------------------------------------------------------------------
# The commands write the decisions store (checked against the published file); the coaching
# step applies the store to the warehouse (workbench/store/apply.py).


def publish_copy(path):
    """What publishing gives the commands to read: the warehouse's coaching tables, beside it."""
    shutil.copyfile(path, published_path(path))


def apply_store(path):
    """What the next run does first: the store applied to coaching_log, then published."""
    store = open_store()
    connection = duckdb.connect(str(path))
    try:
        summary = apply_pending(store, connection)
    finally:
        connection.close()
        store.close()
    publish_copy(path)
    return summary


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("COACHING_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    path = tmp_path / "cli.duckdb"
    connection = duckdb.connect(str(path))
    ensure_schema(connection)
    run_week(connection, 1)
    connection.close()
    publish_copy(path)
    return path


def test_cli_list_approve_and_refuse(warehouse, monkeypatch):
    monkeypatch.setenv("COACHING_WAREHOUSE", str(warehouse))
    runner = CliRunner()
    listed = runner.invoke(main, ["approvals", "list", "--manager", "M1"])
    assert listed.exit_code == 0, listed.output
    connection = duckdb.connect(str(warehouse))
    cid = event_id(connection, "R1", "skill:discovery")
    recommended = connection.execute("select recommended_action from coaching.coaching_log where coaching_id = ?",
                                     [cid]).fetchone()[0]
    connection.close()
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["ID", "REP", "PATTERN", "WEEKS", "ESCALATED", "RECOMMENDED", "ACTION"]
    line = next(x for x in lines if x.startswith(cid))
    assert "Rita Ames (R1)" in line and "skill:discovery" in line and "bring questions per call from 6.1" in line
    assert lines[-1] == "2 event(s) waiting for approval."
    assert "R3" not in listed.stdout

    approved = runner.invoke(main, ["approvals", "approve", cid, "--by", "M1"])
    assert approved.exit_code == 0, approved.output
    first, second = approved.stdout.splitlines()
    assert first.startswith(f"Approved {cid} by M1 at ") and first.endswith(f" UTC: {recommended}")
    assert second == "Takes effect in tonight's run: the coaching log applies it at the start of the next run."
    again = runner.invoke(main, ["approvals", "approve", cid, "--by", "M1"])
    assert again.exit_code == 2
    assert again.stdout == ""
    assert f"refused: coaching event {cid} was already decided: approved by M1" in again.stderr
    assert "not applied yet" in again.stderr

    # stored, not applied: still listed, with the decision waiting for tonight's run
    listed = runner.invoke(main, ["approvals", "list", "--manager", "M1"]).stdout.splitlines()
    row = next(i for i, x in enumerate(listed) if x.startswith(cid))
    assert listed[row + 1].startswith("  -> approved by M1 at ") and listed[row + 1].endswith(
        "UTC (takes effect in tonight's run)")
    assert listed[-1] == "1 event(s) waiting for approval. 1 decided, taking effect in tonight's run."
    connection = duckdb.connect(str(warehouse))
    assert connection.execute("select approval_status from coaching.coaching_log where coaching_id = ?",
                              [cid]).fetchone() == ("pending_approval",)
    connection.close()

    summary = apply_store(warehouse)
    assert (summary.decisions, summary.escalations, summary.skipped) == (1, 0, [])
    connection = duckdb.connect(str(warehouse))
    assert connection.execute("select approval_status, decided_by from coaching.coaching_log where coaching_id = ?",
                              [cid]).fetchone() == ("approved", "M1")
    connection.close()
    assert cid not in runner.invoke(main, ["approvals", "list"]).stdout
    # applied: approving again would change nothing
    again = runner.invoke(main, ["approvals", "approve", cid, "--by", "M1"])
    assert again.exit_code == 2 and f"coaching event {cid} was already decided: approved by M1 at " in again.stderr


def test_cli_modify_dismiss_escalate_with_warehouse_flag(warehouse, monkeypatch):
    monkeypatch.setenv("COACHING_WAREHOUSE", "/nonexistent/elsewhere.duckdb")  # the flag wins
    runner = CliRunner()
    flag = ["--warehouse", str(warehouse)]
    connection = duckdb.connect(str(warehouse))
    closing = event_id(connection, "R1", "skill:closing")
    negotiation = event_id(connection, "R3", "skill:negotiation")
    connection.close()

    wrong = runner.invoke(main, ["approvals", "modify", closing, "--by", "M2", "--action", "Do X", *flag])
    assert wrong.exit_code == 2 and "M2 is not the manager of rep R1" in wrong.stderr
    modified = runner.invoke(main, ["approvals", "modify", closing, "--by", "M1", "--action", "Do X", *flag])
    assert modified.exit_code == 0 and modified.stdout.splitlines()[0].endswith("UTC: Do X")
    dismissed = runner.invoke(main, ["approvals", "dismiss", negotiation, "--by", "M2", "--note", "On leave", *flag])
    assert dismissed.exit_code == 0, dismissed.output
    escalated = runner.invoke(main, ["escalate", "R3", "--by", "M2", "--note", "Asked for help", *flag])
    assert escalated.exit_code == 0 and escalated.stdout.startswith("Escalated R3 to the SLM (S1) as E")
    refused = runner.invoke(main, ["escalate", "R3", "--by", "M1", "--note", "x", *flag])
    assert refused.exit_code == 2 and "M1 is not the manager of rep R3" in refused.stderr
    unknown = runner.invoke(main, ["approvals", "approve", "C-nope", "--by", "M1", *flag])
    assert unknown.exit_code == 2 and "unknown coaching event 'C-nope'" in unknown.stderr
    connection = duckdb.connect(str(warehouse))
    assert connection.execute("select count(*) from coaching.decisions").fetchone() == (0,)  # nothing applied yet
    connection.close()

    summary = apply_store(warehouse)
    assert (summary.decisions, summary.escalations) == (2, 1)
    empty = runner.invoke(main, ["approvals", "list", "--manager", "M2", *flag])
    assert empty.stdout == "No coaching events waiting for approval for manager M2.\n"
    connection = duckdb.connect(str(warehouse))
    assert connection.execute("select coaching_id, decision, decided_by, action_text, note from coaching.decisions "
                              "order by decision_id").fetchall() == [
        (closing, "modified", "M1", "Do X", None),
        (negotiation, "dismissed", "M2", None, "On leave"),
        (None, "escalated", "M2", None, "Asked for help"),
    ]
    # the id the command printed is the one the run wrote
    assert connection.execute("select escalation_id from coaching.escalations where rule = 'manual'").fetchone() == (
        escalated.stdout.split(" as ")[1].split()[0],)
    connection.close()


def test_cli_without_a_warehouse(tmp_path):
    result = CliRunner().invoke(main, ["approvals", "list", "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "no warehouse at" in result.output


def test_a_queued_event_is_refused_and_left_out_of_the_pending_list(gated):
    cid = event_id(gated, "R1", "skill:discovery")
    gated.execute("update coaching.coaching_log set queued = true where coaching_id = ?", [cid])
    with pytest.raises(ApprovalRefused, match=rf"coaching event {cid} is queued: rep R1 already has 3 open focus "
                                              "areas"):
        approvals.approve(gated, cid, "M1")
    assert gated.execute("select approval_status from coaching.coaching_log where coaching_id = ?",
                         [cid]).fetchone() == ("pending_approval",)
    assert cid not in approvals.list_pending(gated)["coaching_id"].to_list()
    assert len(approvals.list_pending(gated)) == 2  # the two other events of week 1 still wait
