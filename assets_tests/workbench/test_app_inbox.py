"""The manager inbox over HTTP against a real uvicorn server with a SQLite decisions store
(which is also the audit sink): what a manager sees, approve / modify / dismiss (one or
several), undo, escalate, notes, and each refusal answered 403 and in the store's audit log."""

import html
import re

import pytest
import requests
from sqlalchemy import select

from coaching_pipeline.workbench.store import AuditEntry, Decision, EscalationRequest, Note

from .app_org import build_published, served_with_store
from .test_app_http import signed_in

pytestmark = pytest.mark.xdist_group("workbench_http")


@pytest.fixture
def server(tmp_path):
    with served_with_store(build_published(tmp_path / "analytics.duckdb")) as running:
        yield running


def _decisions(store) -> list[Decision]:
    with store.sessions() as session:
        return list(session.scalars(select(Decision).order_by(Decision.id)).all())


def _denied(store) -> list[tuple]:
    with store.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.allowed.is_(False)).order_by(AuditEntry.id)).all()
    return [(r.actor, r.action, r.target) for r in rows]


def _event_ids(page: str) -> list[str]:
    return re.findall(r'<li class="event" id="event-([^"]+)"', page)


def _event_lists(page: str) -> str:
    """The pending-recommendation lists of the page (the history below them names every event)."""
    return "".join(re.findall(r'<ol class="events">.*?</ol>', page, re.S))


def _post(s, server, path, **data):
    return s.post(server.url + path, data={"csrf_token": s.csrf, **data}, allow_redirects=False)


def test_manager_sees_exactly_their_reps_pending_events_most_persistent_first(server):
    s = signed_in(server, "m1")
    page = s.get(server.url + "/inbox")
    assert page.status_code == 200
    assert '<a href="/inbox">Inbox</a>' in page.text
    # r1 (top event 3 weeks) before r2 (2 weeks); inside r1: 3 weeks before 1 week
    assert _event_ids(page.text) == ["c3", "c5", "c6"]
    assert page.text.index('id="rep-r1"') < page.text.index('id="rep-r2"')
    for text in ("Pending pattern", "3 weeks flagged", "Qualify harder", "Ravi pending pattern"):
        assert text in page.text, text
    for hidden in ("Rosa pending pattern", "Approved pattern", "Dismissed pattern", "Ravi resolved pattern"):
        assert hidden not in _event_lists(page.text), hidden
    assert "Rosa pending pattern" not in page.text  # another manager's rep: not even in a history
    assert _event_ids(signed_in(server, "m2").get(server.url + "/inbox").text) == ["c7"]
    assert _event_ids(signed_in(server, "s1").get(server.url + "/inbox").text) == ["c7", "c3", "c5", "c6"]


def test_approve_shows_at_once_and_undo_makes_it_pending_again(server):
    s = signed_in(server, "m1")
    r = _post(s, server, "/inbox/decide", coaching_id="c3", decision="approved")
    assert r.status_code == 303 and r.headers["location"].startswith("/inbox")
    [d] = _decisions(server.store)
    assert (d.coaching_id, d.rep_id, d.decision, d.decided_by, d.action_text) == (
        "c3", "r1", "approved", "m1", "Qualify harder")
    page = s.get(server.url + "/inbox").text
    assert "approved by Mona Manager — takes effect in tonight's run" in page
    assert 'name="decision_id" value="%d"' % d.id in page
    assert "History" in page

    r = _post(s, server, "/inbox/undo", decision_id=str(d.id))
    assert r.status_code == 303
    assert _decisions(server.store)[0].undone_at is not None
    page = s.get(server.url + "/inbox").text
    assert 'class="decided"' not in page
    assert 'value="c3" form="bulk"' in page  # checkable again: pending


def test_modify_dismiss_and_bulk(server):
    s = signed_in(server, "m1")
    assert _post(s, server, "/inbox/decide", coaching_id="c3", decision="modified",
                 action="Qualify on budget first").status_code == 303
    # a dismissal needs a reason (nothing recorded without one)
    assert _post(s, server, "/inbox/decide", coaching_id="c5", decision="dismissed").status_code == 400
    r = s.post(server.url + "/inbox/decide", allow_redirects=False,
               data=[("csrf_token", s.csrf), ("decision", "dismissed"), ("note", "Seasonal dip"),
                     ("coaching_id", "c5"), ("coaching_id", "c6")])
    assert r.status_code == 303
    got = {(d.coaching_id, d.decision, d.action_text, d.note) for d in _decisions(server.store)}
    assert got == {("c3", "modified", "Qualify on budget first", None), ("c5", "dismissed", None, "Seasonal dip"),
                   ("c6", "dismissed", None, "Seasonal dip")}
    page = s.get(server.url + "/inbox").text
    assert "New action: Qualify on budget first" in page and page.count('class="decided"') == 3
    # deciding again before the run is refused by the store, with its sentence, audited once
    r = _post(s, server, "/inbox/decide", coaching_id="c3", decision="approved")
    assert r.status_code == 403 and "already decided" in r.text
    assert _denied(server.store) == [("m1", "decide", "c3")]


def test_manager_deciding_another_teams_event_is_refused_and_audited(server):
    s = signed_in(server, "m1")
    r = _post(s, server, "/inbox/decide", coaching_id="c7", decision="approved")
    assert r.status_code == 403
    # bulk with one foreign event: nothing recorded at all
    r = s.post(server.url + "/inbox/decide", allow_redirects=False,
               data=[("csrf_token", s.csrf), ("decision", "approved"), ("coaching_id", "c3"), ("coaching_id", "c7")])
    assert r.status_code == 403
    assert _post(s, server, "/inbox/escalate", rep_id="r3", note="Please help").status_code == 403
    assert _post(s, server, "/inbox/note", rep_id="r3", text="Hmm").status_code == 403
    assert _post(s, server, "/inbox/decide", coaching_id="nope", decision="approved").status_code == 403
    assert _decisions(server.store) == []
    assert _denied(server.store) == [("m1", "decide", "c7"), ("m1", "decide", "c7"), ("m1", "escalate", "r3"),
                                     ("m1", "add_note", "r3"), ("m1", "decide", "nope")]
    # m2 may not undo m1's decision
    assert _post(s, server, "/inbox/decide", coaching_id="c3", decision="approved").status_code == 303
    other = signed_in(server, "m2")
    [d] = _decisions(server.store)
    assert _post(other, server, "/inbox/undo", decision_id=str(d.id)).status_code == 403
    assert _denied(server.store)[-1] == ("m2", "undo_decision", "c3")
    assert _decisions(server.store)[0].undone_at is None


def test_rep_gets_403_on_the_inbox_and_it_is_audited(server):
    s = signed_in(server, "r1")
    assert s.get(server.url + "/inbox").status_code == 403
    assert 'href="/inbox"' not in s.get(server.url + "/reps/r1").text
    assert _post(s, server, "/inbox/decide", coaching_id="c3", decision="approved").status_code == 403
    assert _denied(server.store) == [("r1", "view_inbox", None), ("r1", "decide", None)]


def test_post_without_csrf_is_refused(server):
    s = signed_in(server, "m1")
    r = s.post(server.url + "/inbox/decide", data={"coaching_id": "c3", "decision": "approved"},
               allow_redirects=False)
    assert r.status_code == 403
    assert _decisions(server.store) == []
    assert _denied(server.store) == [("m1", "csrf", "/inbox/decide")]


def test_escalate_and_note(server):
    s = signed_in(server, "m1")
    assert _post(s, server, "/inbox/escalate", rep_id="r1", note="").status_code == 400
    assert _post(s, server, "/inbox/escalate", rep_id="r1", note="Three weeks, no change").status_code == 303
    assert _post(s, server, "/inbox/note", rep_id="r1", text="Talked on Monday").status_code == 303
    with server.store.sessions() as session:
        [esc] = session.scalars(select(EscalationRequest)).all()
        [note] = session.scalars(select(Note)).all()
    assert (esc.rep_id, esc.requested_by, esc.note) == ("r1", "m1", "Three weeks, no change")
    assert (note.rep_id, note.author, note.text) == ("r1", "m1", "Talked on Monday")
    page = s.get(server.url + "/inbox").text
    assert "Three weeks, no change" in page and "Talked on Monday" in page


def test_anonymous_inbox_goes_to_sign_in(server):
    r = requests.get(server.url + "/inbox", allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin"


def test_a_bulk_with_one_event_decided_already_records_none_of_them(server):
    s = signed_in(server, "m1")
    assert _post(s, server, "/inbox/decide", coaching_id="c3", decision="approved").status_code == 303
    r = s.post(server.url + "/inbox/decide", allow_redirects=False,
               data=[("csrf_token", s.csrf), ("decision", "approved"), ("coaching_id", "c5"), ("coaching_id", "c3"),
                     ("coaching_id", "c6")])
    assert r.status_code == 403
    assert "none of the 3 checked recommendations was recorded" in r.text
    assert [d.coaching_id for d in _decisions(server.store)] == ["c3"]  # c5 and c6 still pending


def test_the_json_inbox_has_the_pages_order_evidence_and_history(server):
    s = signed_in(server, "m1")
    groups = s.get(server.url + "/api/inbox").json()["groups"]
    assert [(g["rep"]["rep_id"], [e["coaching_id"] for e in g["events"]]) for g in groups] == [
        ("r1", ["c3", "c5"]), ("r2", ["c6"])]
    c3 = groups[0]["events"][0]
    assert c3["evidence"]["weeks"]["flagged"] == 3 and c3["decision"] is None
    assert {"Opened: Pending pattern", "Opened: Approved pattern"} <= {h["text"] for h in groups[0]["history"]}
    assert groups[0]["history_url"] == "/inbox/reps/r1/history"
    assert "Rosa pending pattern" not in str(groups)


def test_deciding_and_undoing_through_the_api(server):
    s = signed_in(server, "m1")
    headers = {"X-CSRF-Token": s.csrf}
    url = server.url + "/api/inbox/decisions"
    r = s.post(url, json={"coaching_ids": ["c3", "c7"], "decision": "approved"}, headers=headers)
    assert r.status_code == 403 and _decisions(server.store) == []  # c7 is m2's rep's: nothing recorded
    assert s.post(url, json={"coaching_ids": ["c5"], "decision": "dismissed"}, headers=headers).status_code == 400
    assert s.post(url, json={"coaching_ids": ["c5"], "decision": "approved"}).status_code == 403  # no CSRF header
    r = s.post(url, json={"coaching_ids": ["c5", "c6"], "decision": "dismissed", "note": "Seasonal"}, headers=headers)
    assert r.status_code == 200
    body = r.json()["decisions"]
    assert [(d["coaching_id"], d["decision"], d["note"], d["decided_by"]) for d in body] == [
        ("c5", "dismissed", "Seasonal", "m1"), ("c6", "dismissed", "Seasonal", "m1")]
    undo = s.post(server.url + f"/api/inbox/decisions/{body[0]['decision_id']}/undo", headers=headers)
    assert undo.status_code == 200 and undo.json()["undone_at"] is not None
    other = signed_in(server, "m2")
    r = other.post(server.url + f"/api/inbox/decisions/{body[1]['decision_id']}/undo",
                   headers={"X-CSRF-Token": other.csrf})
    assert r.status_code == 403
    assert _denied(server.store)[-1] == ("m2", "undo_decision", "c6")


def test_a_reps_whole_history_is_for_those_who_lead_them(server):
    s = signed_in(server, "m1")
    page = s.get(server.url + "/inbox/reps/r1/history")
    assert page.status_code == 200
    assert "Coaching history of Rita Rep" in page.text and "Opened: Dismissed pattern" in page.text
    api = s.get(server.url + "/api/inbox/reps/r1/history").json()
    assert api["rep"]["name"] == "Rita Rep"
    assert [h["text"] for h in api["history"]] == [  # her five events, newest first (the store is empty)
        "Opened: Second pending pattern", "Opened: Modified pattern", "Opened: Approved pattern",
        "Opened: Pending pattern", "Opened: Dismissed pattern"]
    assert s.get(server.url + "/inbox/reps/r3/history").status_code == 403
    assert s.get(server.url + "/api/inbox/reps/r3/history").status_code == 403
    assert signed_in(server, "r1").get(server.url + "/inbox/reps/r1/history").status_code == 403
    assert _denied(server.store)[-3:] == [("m1", "view_history", "r3"), ("m1", "view_history", "r3"),
                                          ("r1", "view_history", None)]


@pytest.fixture
def queued_server(tmp_path):
    """The inbox's file with r1's second pending recommendation (c5) queued: r1 has three
    open focus areas already (coaching/signal.py)."""
    import duckdb

    path = build_published(tmp_path / "analytics.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("alter table coaching.coaching_log add column queued boolean default false")
        con.execute("update coaching.coaching_log set queued = (coaching_id = 'c5')")
    with served_with_store(path) as running:
        yield running


def test_a_queued_recommendation_is_shown_as_queued_and_cannot_be_decided(queued_server):
    server = queued_server
    s = signed_in(server, "m1")
    page = s.get(server.url + "/inbox").text
    assert _event_ids(page) == ["c3", "c6"]
    queued = page[page.index('id="queued"'):]
    assert 'id="queued-c5"' in queued and "Second pending pattern" in queued and "1 week flagged" in queued
    assert s.get(server.url + "/api/inbox").json()["queued"] == [{"rep_id": "r1", "name": "Rita Rep", "events": [
        {"rep_id": "r1", "coaching_id": "c5", "pattern_key": None, "pattern_detected": "Second pending pattern",
         "weeks_flagged": 1, "opened_on": "2026-10-20"}]}]
    r = _post(s, server, "/inbox/decide", coaching_id="c5", decision="approved")
    assert r.status_code == 403
    assert "coaching event c5 is queued: rep r1 already has 3 open focus areas" in html.unescape(r.text)
    assert _decisions(server.store) == [] and _denied(server.store) == [("m1", "decide", "c5")]
