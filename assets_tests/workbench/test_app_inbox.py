"""The manager inbox over HTTP against a real uvicorn server with a SQLite decisions store
(which is also the audit sink): what a manager sees, approve / modify / dismiss (one or
several), undo, escalate, notes, and each refusal answered 403 and in the store's audit log."""

import re

import pytest
import requests
from sqlalchemy import select

from coaching_pipeline.workbench.store import AuditEntry, Decision, EscalationRequest, Note, open_store

from .app_org import RunningServer, build_published
from .test_app_http import signed_in

pytestmark = pytest.mark.xdist_group("workbench_http")


@pytest.fixture
def server(tmp_path):
    published = build_published(tmp_path / "analytics.duckdb")
    store = open_store(f"sqlite:///{tmp_path / 'decisions.sqlite'}")
    with RunningServer(published, store=store) as running:
        yield running
    store.close()


def _decisions(store) -> list[Decision]:
    with store.sessions() as session:
        return list(session.scalars(select(Decision).order_by(Decision.id)).all())


def _denied(store) -> list[tuple]:
    with store.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.allowed.is_(False)).order_by(AuditEntry.id)).all()
    return [(r.actor, r.action, r.target) for r in rows]


def _event_ids(page: str) -> list[str]:
    return re.findall(r'<li class="event" id="event-([^"]+)"', page)


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
        assert hidden not in page.text, hidden
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
