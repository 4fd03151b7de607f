"""The SLM notice says, for each escalation, what the manager decided on it (approved,
modified, dismissed, or never decided) and when (coaching contract, "Monthly digests";
digests/decisions.py). Decisions made after the notice's data date (as_of) are not made yet
as far as the notice is concerned; a manager's new action is escaped like CRM text."""

from __future__ import annotations

import datetime as dt
import html

import duckdb
import pytest
from markdown_it import MarkdownIt

from coaching_pipeline.coaching import approvals, schema
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.digests import Month, gather
from coaching_pipeline.digests.decisions import decision_texts
from coaching_pipeline.digests.render import render_month

AS_OF = dt.date(2026, 11, 13)
HOSTILE_ACTION = "<script>alert(3)</script> Call the CFO & agree next steps"
NAMES = {"M1": "Dana Reed", "S1": "Sam Boss"}


def name(user_id):
    return NAMES.get(user_id) or user_id or "unknown"


def add_event(con, coaching_id: str, rep_id: str, manager_id: str, opened_on: dt.date,
              resolution_date: dt.date | None = None, pattern: str = "skill:discovery") -> None:
    """A pending coaching event, as the weekly replay opens it."""
    con.execute("""
        insert into coaching.coaching_log (coaching_id, rep_id, role, manager_id, pattern_key, pattern_detected,
            recommended_action, opened_on, last_assessed_on, weeks_flagged, resolution_date, status)
        values (?, ?, 'AE', ?, ?, 'Discovery 55.0 (Needs Coaching)', 'Ask more open questions', ?, ?, 3, ?, ?)""",
                [coaching_id, rep_id, manager_id, pattern, opened_on, resolution_date or opened_on, resolution_date,
                 "resolved" if resolution_date else "open"])


def escalation(escalation_id: str, coaching_id: str | None, rule: str = "persistence", **extra) -> dict:
    return {"escalation_id": escalation_id, "coaching_id": coaching_id, "rule": rule,
            "escalation_date": dt.date(2026, 10, 12), "escalated_by": None, **extra}


@pytest.fixture
def con():
    connection = duckdb.connect()
    schema.ensure_schema(connection)
    yield connection
    connection.close()


def test_each_decision_and_its_date_in_one_sentence(con):
    sep28 = dt.date(2026, 9, 28)
    for cid in ("C1", "C2", "C3", "C4", "C5", "C6", "C7"):
        add_event(con, cid, "R1", "M1", sep28, resolution_date=dt.date(2026, 10, 26) if cid == "C6" else None)
    approvals.approve(con, "C1", by="M1", at=dt.datetime(2026, 10, 6, 9, 30))
    approvals.modify(con, "C2", by="M1", action="  Shadow a senior AE on two discovery calls ", at=dt.datetime(2026, 10, 14, 8))
    # on the as_of day itself (late evening, UTC): made by the data date, shown
    approvals.dismiss(con, "C3", by="M1", note="Seasonal dip, not a skill gap", at=dt.datetime(2026, 11, 13, 23, 59))
    approvals.dismiss(con, "C4", by="M1", at=dt.datetime(2026, 10, 7, 12))
    # C5 never decided; C6 never decided and its pattern cleared on 26 Oct
    approvals.approve(con, "C7", by="M1", at=dt.datetime(2026, 11, 14, 0, 5))  # after as_of: not made yet
    rows = [escalation(f"E{i}", f"C{i}") for i in range(1, 8)] + [
        escalation("E8", None, "attainment"),
        escalation("E9", None, "manual", escalated_by="M1", escalation_date=dt.date(2026, 10, 20)),
        escalation("E10", "Cgone"),
    ]
    assert decision_texts(con, rows, AS_OF, name) == {
        "E1": "Manager's decision: approved by Dana Reed on 6 Oct 2026.",
        "E2": "Manager's decision: modified by Dana Reed on 14 Oct 2026: new action "
              "“Shadow a senior AE on two discovery calls”.",
        "E3": "Manager's decision: dismissed by Dana Reed on 13 Nov 2026: note “Seasonal dip, not a skill gap”.",
        "E4": "Manager's decision: dismissed by Dana Reed on 7 Oct 2026.",
        "E5": "Manager's decision: none yet: the recommendation has waited for approval since 28 Sep 2026.",
        "E6": "Manager's decision: none: the recommendation waited for approval from 28 Sep 2026 until the "
              "pattern cleared on 26 Oct 2026.",
        "E7": "Manager's decision: none yet: the recommendation has waited for approval since 28 Sep 2026.",
        "E8": "No recommendation to decide: this rule escalates on its own.",
        "E9": "Raised by the manager, Dana Reed, on 20 Oct 2026: no recommendation to decide.",
        "E10": "Manager's decision: not known: coaching event Cgone is no longer in the log.",
    }
    # the same decision, once the data date has reached it
    assert decision_texts(con, rows[6:7], dt.date(2026, 11, 14), name) == {
        "E7": "Manager's decision: approved by Dana Reed on 14 Nov 2026."}
    assert decision_texts(con, [], AS_OF, name) == {}


@pytest.mark.xdist_group("sample")
def test_the_slm_notice_shows_each_decision_escaped(sample_copy, tmp_path):
    _, warehouse = sample_copy
    con = open_warehouse(warehouse)
    try:
        schema.ensure_schema(con)
        rep_id, _, manager_id, manager_name, slm_id = con.execute("""
            select user_id, user_name, manager_id, manager_name, slm_id from intermediate.int_users
            where is_seller and is_active and manager_id is not null and slm_id is not null
            order by user_id limit 1""").fetchone()
        add_event(con, "CAPPROVED001", rep_id, manager_id, dt.date(2026, 9, 28))
        add_event(con, "CMODIFIED001", rep_id, manager_id, dt.date(2026, 9, 28), pattern="skill:closing")
        add_event(con, "CLATE0000001", rep_id, manager_id, dt.date(2026, 9, 28), pattern="skill:negotiation")
        approvals.approve(con, "CAPPROVED001", by=manager_id, at=dt.datetime(2026, 10, 6, 9))
        approvals.modify(con, "CMODIFIED001", by=manager_id, action=HOSTILE_ACTION, at=dt.datetime(2026, 10, 14, 9))
        approvals.approve(con, "CLATE0000001", by=manager_id, at=dt.datetime(2026, 11, 20, 9))  # after as_of
        for eid, cid, rule, pattern in (("EAPPROVED001", "CAPPROVED001", "persistence", "skill:discovery"),
                                        ("EMODIFIED001", "CMODIFIED001", "persistence", "skill:closing"),
                                        ("ELATE0000001", "CLATE0000001", "persistence", "skill:negotiation"),
                                        ("EATTAIN00001", None, "attainment", "metric:attainment")):
            con.execute("""
                insert into coaching.escalations (escalation_id, rep_id, role, rule, pattern_key, coaching_id,
                    escalated_to, manager_id, slm_id, escalation_date, reason, history)
                values (?, ?, 'AE', ?, ?, ?, 'slm', ?, ?, date '2026-10-12', 'Below target 3 weeks', '[]')""",
                        [eid, rep_id, rule, pattern, cid, manager_id, slm_id])
        con.execute("""
            insert into coaching.escalations (escalation_id, rep_id, role, rule, pattern_key, coaching_id,
                escalated_to, manager_id, slm_id, escalation_date, reason, history, escalated_by)
            values ('EMANUAL00001', ?, 'AE', 'manual', 'manual', null, 'slm', ?, ?, date '2026-10-13',
                    'Asked for help', '[]', ?)""", [rep_id, manager_id, slm_id, manager_id])
        content = gather(con, Month.of("2026-10"))
        assert content.as_of == AS_OF
        content.reps, content.managers = [], []  # only the notices are looked at here
        result = render_month(con, Month.of("2026-10"), tmp_path / "out", content=content)
    finally:
        con.close()

    [notice] = [n for n in content.slms if n.slm["id"] == slm_id]
    m = manager_name
    # one date and seller: the notice's order is by rule, then pattern_key
    assert [(e["escalation_id"], e["decision"]) for e in notice.escalations] == [
        ("EATTAIN00001", "No recommendation to decide: this rule escalates on its own."),
        ("EMODIFIED001", f"Manager's decision: modified by {m} on 14 Oct 2026: new action “{HOSTILE_ACTION}”."),
        ("EAPPROVED001", f"Manager's decision: approved by {m} on 6 Oct 2026."),
        ("ELATE0000001", "Manager's decision: none yet: the recommendation has waited for approval since 28 Sep 2026."),
        ("EMANUAL00001", f"Raised by the manager, {m}, on 13 Oct 2026: no recommendation to decide."),
    ]
    by_id = {e["escalation_id"]: e["decision"] for e in notice.escalations}

    [html_doc] = [d for d in result.documents if d.recipient_id == slm_id and d.format == "html"]
    [md_doc] = [d for d in result.documents if d.recipient_id == slm_id and d.format == "md"]
    page = (result.directory / html_doc.path).read_text()
    markdown = (result.directory / md_doc.path).read_text()
    assert page.count('<p class="small decision"') == page.count('<div class="esc"') == len(notice.escalations)
    for text in by_id.values():  # the CSS inliner writes the page out again: only & < > stay escaped
        assert ">" + html.escape(text, quote=False) + "</p>" in page
    assert ("new action “&lt;script&gt;alert(3)&lt;/script&gt; Call the CFO &amp; agree next steps”.</p>"
            in page)
    assert "<script" not in page
    assert "20 Nov 2026" not in page
    # a manual escalation names who raised it, never by their user id
    assert f" &middot; raised by {m}</p>" in page.replace("\u00b7", "&middot;") and manager_id not in page
    assert f", raised by {m}. Asked for help" in markdown
    # Markdown: its own paragraph under the escalation's line, escaped for Markdown
    assert (f"\n\nManager's decision: modified by {m} on 14 Oct 2026: new action “\\<script\\>alert(3)\\</script\\> Call the CFO \\& agree next steps”.\n"
            in markdown)
    assert "\n\nNo recommendation to decide: this rule escalates on its own.\n" in markdown
    shown = MarkdownIt("commonmark").render(markdown)
    assert "<p>Manager's decision: approved by " in shown and "<script" not in shown
