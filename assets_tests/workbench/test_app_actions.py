"""Next best actions done / deferred, and what the dashboard reads from the decisions store at
once, over HTTP against a real uvicorn server with a SQLite store (also the audit sink):
plain form posts and the JSON API, each refusal 403 and in the store's audit log, and the
focus areas marked with a decision not applied yet ("takes effect in tonight's run") for the
manager, and for the rep only once the run has applied it."""

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coaching_pipeline.workbench.access import rep_access, viewer_for
from coaching_pipeline.workbench.actions import Problem, checked_outcome
from coaching_pipeline.workbench.published import PublishedFile
from coaching_pipeline.workbench.queries import dashboard, load_org
from coaching_pipeline.workbench.store import ActionOutcome, AuditEntry, decide, undo_decision
from coaching_pipeline.workbench.store.facts import Facts

from .app_org import served_with_store
from .dashboard_org import build_dashboard
from .test_app_http import signed_in

pytestmark = pytest.mark.xdist_group("workbench_http")


def rita_today() -> dt.date:
    """Rita's today: her own calendar (marts.sellers.time_zone of dashboard_org)."""
    return dt.datetime.now(ZoneInfo("America/New_York")).date()


@pytest.fixture
def server(tmp_path):
    with served_with_store(build_dashboard(tmp_path / "analytics.duckdb")) as running:
        yield running


def _outcomes(store) -> list[tuple]:
    with store.sessions() as session:
        rows = session.scalars(select(ActionOutcome).order_by(ActionOutcome.id)).all()
    return [(o.opportunity_id, o.rep_id, o.outcome, o.deferred_until, o.reason, o.undone_at is None) for o in rows]


def _denied(store) -> list[tuple]:
    with store.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.allowed.is_(False)).order_by(AuditEntry.id)).all()
    return [(r.actor, r.action, r.target) for r in rows]


def _post(s, server, path, **data):
    return s.post(server.url + path, data={"csrf_token": s.csrf, **data}, allow_redirects=False)


def _shown(page: str) -> list[str]:
    return re.findall(r'<li id="action-([^"]+)"', page)


def _api(s, server, rep="r1") -> dict:
    return s.get(server.url + f"/api/reps/{rep}/dashboard").json()


def test_checked_outcome():
    today = dt.date(2026, 12, 7)
    assert checked_outcome("done", "", today) == ("done", None)
    assert checked_outcome("deferred", "2026-12-08", today) == ("deferred", dt.date(2026, 12, 8))
    assert checked_outcome("deferred", dt.date(2027, 1, 4), today) == ("deferred", dt.date(2027, 1, 4))
    for outcome, until, says in (("skipped", "", "done or deferred"), ("deferred", "", "needs the date"),
                                 ("deferred", "2026-12-07", "after today (2026-12-07)"),
                                 ("deferred", "next week", "is not a date")):
        with pytest.raises(Problem, match=re.escape(says)) as refused:
            checked_outcome(outcome, until, today)
        assert refused.value.status == 400


def test_done_hides_the_action_at_once_and_undo_brings_it_back(server):
    s = signed_in(server, "r1")
    page = s.get(server.url + "/reps/r1").text
    assert _shown(page) == ["o1", "o2", "o5"]
    assert 'action="/reps/r1/actions/o1"' in page and 'name="csrf_token"' in page and "hidden: done or deferred" not in page
    assert f'min="{rita_today() + dt.timedelta(days=1)}"' in page
    r = _post(s, server, "/reps/r1/actions/o1", outcome="done")
    assert r.status_code == 303 and r.headers["location"] == "/reps/r1#next-best-actions"
    assert _outcomes(server.store) == [("o1", "r1", "done", None, None, True)]
    page = s.get(server.url + "/reps/r1").text
    assert _shown(page) == ["o2", "o5"]
    assert "1 hidden: done or deferred" in page and 'id="hidden-o1"' in page
    api = _api(s, server)
    assert [a["opportunity_id"] for a in api["next_best_actions"]] == ["o2", "o5"]
    assert [(h["opportunity_id"], h["outcome"]["outcome"]) for h in api["hidden_actions"]] == [("o1", "done")]
    outcome_id = api["hidden_actions"][0]["outcome"]["outcome_id"]
    assert f'action="/reps/r1/outcomes/{outcome_id}/undo"' in page

    assert _post(s, server, f"/reps/r1/outcomes/{outcome_id}/undo").status_code == 303
    assert _outcomes(server.store) == [("o1", "r1", "done", None, None, False)]
    page = s.get(server.url + "/reps/r1").text
    assert _shown(page) == ["o1", "o2", "o5"] and "hidden: done or deferred" not in page


def test_defer_needs_a_later_date_and_the_action_comes_back_on_it(server, tmp_path):
    s = signed_in(server, "r1")
    today, tomorrow = rita_today(), rita_today() + dt.timedelta(days=1)
    for until in ("", today.isoformat(), "soon"):
        r = _post(s, server, "/reps/r1/actions/o2", outcome="deferred", deferred_until=until)
        assert r.status_code == 400, until
    assert "after today" in _post(s, server, "/reps/r1/actions/o2", outcome="deferred",
                                  deferred_until=today.isoformat()).text
    assert _outcomes(server.store) == []
    r = _post(s, server, "/reps/r1/actions/o2", outcome="deferred", deferred_until=tomorrow.isoformat(),
              reason="Waiting for their budget")
    assert r.status_code == 303
    assert _outcomes(server.store) == [("o2", "r1", "deferred", tomorrow, "Waiting for their budget", True)]
    page = s.get(server.url + "/reps/r1").text
    assert _shown(page) == ["o1", "o5"]
    assert "deferred until" in page and "Waiting for their budget" in page

    # the server's today moves to the deferral's date: the dashboard brings the action back
    published = PublishedFile(server.app.state.settings.published)
    with published.cursor() as cur:
        org = load_org(cur)
        access = rep_access(viewer_for(org, (), user_id="r1"), org, "r1")
        for now, shown in ((dt.datetime.combine(tomorrow, dt.time(4, 59)), ["o1", "o5"]),  # 23:59 the day before
                           (dt.datetime.combine(tomorrow, dt.time(5, 0)), ["o1", "o2", "o5"])):  # 00:00 in New York
            data = dashboard(cur, org.people["r1"], access, store=server.store, org=org, now=now)
            assert [a["opportunity_id"] for a in data["next_best_actions"]] == shown, now
    # and over HTTP, once the date in the store has come
    with server.store.sessions.begin() as session:
        session.scalars(select(ActionOutcome)).one().deferred_until = today
    assert _shown(s.get(server.url + "/reps/r1").text) == ["o1", "o2", "o5"]


def test_the_api_marks_and_undoes_with_the_same_checks(server):
    s = signed_in(server, "r1")
    headers = {"X-CSRF-Token": s.csrf}
    tomorrow = (rita_today() + dt.timedelta(days=1)).isoformat()
    url = server.url + "/api/reps/r1/actions/o5"
    assert s.post(url, json={"outcome": "deferred"}, headers=headers).status_code == 400
    assert s.post(url, json={"outcome": "maybe"}, headers=headers).status_code == 422
    assert s.post(url, json={"outcome": "done"}).status_code == 403  # no CSRF token
    r = s.post(url, json={"outcome": "deferred", "deferred_until": tomorrow, "reason": "After the offsite"},
               headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert (body["opportunity_id"], body["outcome"], body["deferred_until"], body["reason"]) == (
        "o5", "deferred", tomorrow, "After the offsite")
    listed = s.get(server.url + "/api/reps/r1/actions").json()
    assert [a["opportunity_id"] for a in listed["actions"]] == ["o1", "o2"]
    assert [h["opportunity_id"] for h in listed["hidden"]] == ["o5"]
    assert listed["today"] == rita_today().isoformat()
    assert listed["actions"] == _api(s, server)["next_best_actions"]  # the dashboard's data
    r = s.post(server.url + f"/api/reps/r1/outcomes/{body['outcome_id']}/undo", headers=headers)
    assert r.status_code == 200 and r.json()["undone_at"] is not None
    assert [a["opportunity_id"] for a in s.get(server.url + "/api/reps/r1/actions").json()["actions"]] == [
        "o1", "o2", "o5"]
    doc = s.get(server.url + "/api/openapi.json").json()
    assert {"/api/reps/{rep_id}/actions", "/api/reps/{rep_id}/actions/{opportunity_id}",
            "/api/reps/{rep_id}/outcomes/{outcome_id}/undo"} <= set(doc["paths"])


def test_only_the_rep_marks_their_actions_and_each_refusal_is_audited(server):
    rita, ravi, mona = signed_in(server, "r1"), signed_in(server, "r2"), signed_in(server, "m1")
    assert _post(mona, server, "/reps/r1/actions/o1", outcome="done").status_code == 403  # her manager
    assert _post(ravi, server, "/reps/r1/actions/o1", outcome="done").status_code == 403  # another rep
    assert _post(rita, server, "/reps/r1/actions/o3", outcome="done").status_code == 403  # Ravi's action
    assert _post(rita, server, "/reps/r2/actions/o3", outcome="done").status_code == 403
    assert _post(rita, server, "/reps/r1/actions/nope", outcome="done").status_code == 403  # forged id
    r = mona.post(server.url + "/api/reps/r1/actions/o1", json={"outcome": "done"}, headers={"X-CSRF-Token": mona.csrf})
    assert r.status_code == 403 and r.json()["detail"] == "forbidden"
    assert "Done</button>" not in mona.get(server.url + "/reps/r1").text  # no buttons for the manager
    assert _outcomes(server.store) == []
    # undo: only the rep, only their own outcome
    assert _post(ravi, server, "/reps/r2/actions/o3", outcome="done").status_code == 303
    ravi_outcome = ravi.get(server.url + "/api/reps/r2/actions").json()["hidden"][0]["outcome"]["outcome_id"]
    assert _post(rita, server, f"/reps/r1/outcomes/{ravi_outcome}/undo").status_code == 403
    assert _post(rita, server, f"/reps/r2/outcomes/{ravi_outcome}/undo").status_code == 403
    assert _post(mona, server, f"/reps/r2/outcomes/{ravi_outcome}/undo").status_code == 403
    assert _outcomes(server.store) == [("o3", "r2", "done", None, None, True)]
    target = f"action_outcome:{ravi_outcome}"
    assert _denied(server.store) == [
        ("m1", "action_outcome", "o1"), ("r2", "action_outcome", "o1"), ("r1", "action_outcome", "o3"),
        ("r1", "action_outcome", "o3"), ("r1", "action_outcome", "nope"), ("m1", "action_outcome", "o1"),
        ("r1", "undo_action_outcome", target), ("r1", "undo_action_outcome", target),
        ("m1", "undo_action_outcome", target)]


def test_a_refusal_of_the_store_answers_403_with_its_sentence(server):
    s = signed_in(server, "r1")
    assert _post(s, server, "/reps/r1/actions/o1", outcome="done").status_code == 303
    outcome_id = _api(s, server)["hidden_actions"][0]["outcome"]["outcome_id"]
    assert _post(s, server, f"/reps/r1/outcomes/{outcome_id}/undo").status_code == 303
    r = _post(s, server, f"/reps/r1/outcomes/{outcome_id}/undo")  # already undone: the store refuses
    assert r.status_code == 403 and f"no outcome {outcome_id} in force to undo" in r.text
    assert _denied(server.store) == [("r1", "undo_action_outcome", "o1")]  # the store's record, once


def test_a_post_without_its_csrf_token_is_refused(server):
    s = signed_in(server, "r1")
    r = s.post(server.url + "/reps/r1/actions/o1", data={"outcome": "done"}, allow_redirects=False)
    assert r.status_code == 403
    assert _outcomes(server.store) == [] and _denied(server.store) == [("r1", "csrf", "/reps/r1/actions/o1")]


def _focus(page: str) -> dict[str, str]:
    """coaching_id -> the text of its focus-area item."""
    items = re.findall(r'<li class="focus-[^"]+" id="focus-([^"]+)">(.*?)</li>', page, flags=re.S)
    return {cid: html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))).strip() for cid, body in items}


def test_decisions_not_applied_yet_show_at_once_to_the_manager_and_to_the_rep_only_once_applied(server):
    """c3 and c5 are pending, c2 modified in the log: Mona approves c3, dismisses c5 and (a new
    decision superseding the log's) dismisses c2. Her view marks each at once; Rita's view is
    the coaching log's until tonight's run applies them (Mona may still undo): c1 and c2 as
    before, never c3 or c5 yet, and never who decided."""
    with PublishedFile(server.app.state.settings.published).cursor() as cur:
        facts = Facts(cur)
        approved = decide(server.store, facts, "c3", "m1", "approved")
        decide(server.store, facts, "c5", "m1", "dismissed", note="Seasonal")
        decide(server.store, facts, "c2", "m1", "dismissed", note="Done with it")
    mona = _focus(signed_in(server, "m1").get(server.url + "/reps/r1").text)
    assert list(mona) == ["c3", "c1", "c2", "c5"]  # agreed (most weeks first), then dismissed
    assert "approved by Mona Manager — takes effect in tonight's run" in mona["c3"]
    assert "change it in the inbox" in mona["c3"]
    assert "dismissed by Mona Manager — takes effect in tonight's run" in mona["c5"]
    assert "dismissed by Mona Manager — takes effect in tonight's run" in mona["c2"]
    assert "takes effect" not in mona["c1"]

    rita_session = signed_in(server, "r1")
    page = rita_session.get(server.url + "/reps/r1").text
    rita = _focus(page)
    assert list(rita) == ["c1", "c2"]
    assert "Hold a 60/40 talk ratio" in rita["c2"] and "tonight" not in page
    assert "Mona Manager" not in page and "Pending pattern" not in page and "Second pending pattern" not in page
    api = _api(rita_session, server)["insights"]["focus_areas"]
    assert [(f["coaching_id"], f["approval_status"], f["unapplied"]) for f in api] == [
        ("c1", "approved", None), ("c2", "modified", None)]

    # undone before the run: pending again in Mona's view, and Rita never saw it
    with PublishedFile(server.app.state.settings.published).cursor() as cur:
        undo_decision(server.store, Facts(cur), approved.id, "m1")
    assert "takes effect" not in _focus(signed_in(server, "m1").get(server.url + "/reps/r1").text)["c3"]
    assert list(_focus(rita_session.get(server.url + "/reps/r1").text)) == ["c1", "c2"]
