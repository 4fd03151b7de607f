"""The SLM view (/escalations, /api/escalations) over HTTP against a real uvicorn server with a
SQLite decisions store (also the audit sink): which escalations SLM s1 sees, the roll-up per
manager, resolving one with a note (the store row and its audit entry), a manager's request
showing at once, and each refusal (m1 and r1 on the page, admin resolving, a forged id of
another org) answered 403 and in the store's audit log. The pure functions are tested alone,
and the store's resolutions on SQLite and PostgreSQL with the coaching step's real apply."""

import datetime as dt
import re

import duckdb
import pytest
from sqlalchemy import select

from coaching_pipeline.coaching.approvals import ApprovalRefused
from coaching_pipeline.db import utc_now
from coaching_pipeline.paths import published_path
from coaching_pipeline.workbench import escalations_queries as q
from coaching_pipeline.workbench.published import PublishedFile
from coaching_pipeline.workbench.store import (
    AuditEntry,
    EscalationRequest,
    Facts,
    open_store,
    request_escalation,
)
from coaching_pipeline.workbench.store.resolution_models import EscalationResolution
from coaching_pipeline.workbench.store.resolutions import resolutions, resolve_published_escalation

from ..coaching.helpers import run_week
from .app_org import ADMIN, RunningServer
from .escalations_org import T_REQUEST, build_escalations_published
from .store_world import apply_now, audit_rows, pg_server, store, world  # noqa: F401  (fixtures: SQLite and PostgreSQL)
from .test_app_http import signed_in

pytestmark = pytest.mark.xdist_group("workbench_http")

S1_OPEN = ["e6", "e4", "e7", "e2", "e1"]  # open, newest first (e3 was resolved 40 days ago)


@pytest.fixture
def server(tmp_path):
    published = build_escalations_published(tmp_path / "analytics.duckdb")
    decisions = open_store(f"sqlite:///{tmp_path / 'decisions.sqlite'}")
    with duckdb.connect(str(published), read_only=True) as con:
        facts = Facts(con)
        applied = request_escalation(decisions, facts, "r2", "m1", "Needs help on pricing", at=T_REQUEST)
        other = request_escalation(decisions, facts, "r4", "m3", "Remy is stuck", at=T_REQUEST)
        resolve_published_escalation(decisions, facts, "e3", "s1", "Rosa has a plan",
                                     at=utc_now() - dt.timedelta(days=40))
    with decisions.sessions.begin() as session:  # the last run applied m1's request: it is e7 now
        session.get(EscalationRequest, applied.id).applied_at = T_REQUEST
    with RunningServer(published, store=decisions) as running:
        running.other_request = other.id
        yield running
    decisions.close()


def _keys(page: str) -> list[str]:
    return re.findall(r'<article class="card esc" id="esc-([^"]+)"', page)


def _denied(decisions) -> list[tuple]:
    with decisions.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.allowed.is_(False)).order_by(AuditEntry.id)).all()
    return [(r.actor, r.action, r.target) for r in rows]


def _resolutions(decisions) -> list[tuple]:
    with decisions.sessions() as session:
        rows = session.scalars(select(EscalationResolution).order_by(EscalationResolution.id)).all()
    return [(r.escalation_id, r.rep_id, r.resolved_by, r.note) for r in rows]


def _resolve(s, server, escalation, note="Agreed a plan with the manager"):
    return s.post(server.url + "/escalations/resolve", data={"csrf_token": s.csrf, "escalation": escalation,
                                                             "note": note}, allow_redirects=False)


def test_slm_sees_the_escalations_of_their_org_with_history_owner_and_status(server):
    s = signed_in(server, "s1")
    page = s.get(server.url + "/escalations")
    assert page.status_code == 200 and '<a href="/escalations">Escalations</a>' in page.text
    assert _keys(page.text) == S1_OPEN
    for text in ("Rita Rep</a> · Pattern persisted 3 weeks: Qualification", "owner Mona Manager (manager)",
                 "Attainment at risk: Attainment", "32.0%", "week 3", "clock restarted (10% better)",
                 "raised by Mona Manager", "Needs help on pricing", 'name="csrf_token"'):
        assert text in page.text, text
    assert "Remy Rep" not in page.text and "Remy is stuck" not in page.text  # s2's org
    resolved = s.get(server.url + "/escalations", params={"status": "resolved"}).text
    assert _keys(resolved) == ["e3"]
    assert "Resolved by Sam Slm" in resolved and "Rosa has a plan" in resolved
    assert "The pattern cleared on 2 Nov 2026." in resolved
    api = s.get(server.url + "/api/escalations", params={"status": "all"}).json()
    assert [i["key"] for i in api["items"]] == S1_OPEN + ["e3"]
    assert api["counts"] == {"open": 5, "resolved": 1, "all": 6}
    e1 = next(i for i in api["items"] if i["key"] == "e1")
    assert [(h["date"], h["week"]) for h in e1["history"]] == [
        ("5 Oct 2026", 1), ("12 Oct 2026", 2), ("19 Oct 2026", 3), ("26 Oct 2026", 1)]
    assert (e1["manager_id"], e1["status"], e1["to"]) == ("m1", "open", "second-line manager")


def test_rollup_counts_per_manager(server):
    s = signed_in(server, "s1")
    rollup = {m["manager_id"]: m for m in s.get(server.url + "/api/escalations").json()["rollup"]}
    got = {k: (m["open"], m["resolved_this_month"], m["reps_escalated"], str(m["oldest_open"]))
           for k, m in rollup.items()}
    assert got == {"m1": (4, 0, 2, "2026-10-19"), "m2": (1, 0, 1, "2026-11-09")}
    assert list(rollup) == ["m1", "m2"]  # most open first
    assert _resolve(s, server, "e1").status_code == 303
    assert _resolve(s, server, "e4").status_code == 303
    rollup = {m["manager_id"]: m for m in s.get(server.url + "/api/escalations").json()["rollup"]}
    got = {k: (m["open"], m["resolved_this_month"], m["reps_escalated"], m["oldest_open"])
           for k, m in rollup.items()}
    assert got == {"m1": (3, 1, 2, "2026-11-02"), "m2": (0, 1, 0, None)}
    page = s.get(server.url + "/escalations").text
    row = page[page.index('id="rollup-m1"'):page.index('id="rollup-m2"')]
    assert re.findall(r'<td class="num" data-label="[^"]+">(\d+)</td>', row) == ["3", "1", "2"]
    assert ">Mona Manager</a>" in row and "2 Nov 2026" in row
    odd = s.get(server.url + "/escalations", params={"status": "bogus", "manager": "m9", "page": "abc"})
    assert odd.status_code == 200 and _keys(odd.text) == ["e6", "e7", "e2"]  # open, all managers, page 1
    only_m2 = s.get(server.url + "/api/escalations", params={"status": "all", "manager": "m2"}).json()
    assert [i["key"] for i in only_m2["items"]] == ["e4", "e3"]


def test_resolving_writes_the_store_row_and_audit_entry(server):
    s = signed_in(server, "s1")
    r = _resolve(s, server, "e1", "Coached on MEDDPICC together")
    assert r.status_code == 303 and r.headers["location"] == "/escalations?status=open#esc-e1"
    assert _resolutions(server.store)[-1] == ("e1", "r1", "s1", "Coached on MEDDPICC together")
    with server.store.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.target == "escalation:e1")).one()
    assert (entry.actor, entry.action, entry.allowed) == ("s1", "resolve_escalation", True)
    assert '"note": "Coached on MEDDPICC together"' in entry.after
    page = s.get(server.url + "/escalations", params={"status": "resolved"}).text
    assert "Resolved by Sam Slm" in page and "Coached on MEDDPICC together" in page
    assert "e1" not in _keys(s.get(server.url + "/escalations").text)
    again = _resolve(s, server, "e1", "twice")  # exactly once: refused by the store, audited
    assert again.status_code == 403 and "already resolved by s1" in again.text
    assert _denied(server.store)[-1] == ("s1", "resolve_escalation", "escalation:e1")
    assert len(_resolutions(server.store)) == 2  # e3 from the fixture, e1


def test_an_escalation_from_a_store_request_is_resolved_on_the_request(server):
    s = signed_in(server, "s1")
    assert _resolve(s, server, "e7", "Pricing workshop booked").status_code == 303
    with server.store.sessions() as session:
        row = session.scalars(select(EscalationRequest).where(EscalationRequest.rep_id == "r2")).one()
    assert (row.resolved_by, row.resolution_note) == ("s1", "Pricing workshop booked")
    assert [r[0] for r in _resolutions(server.store)] == ["e3"]  # no second place for it


def test_a_managers_request_shows_at_once_until_tonights_run(server):
    m1 = signed_in(server, "m1")
    r = m1.post(server.url + "/inbox/escalate", data={"csrf_token": m1.csrf, "rep_id": "r1",
                                                      "note": "Rita asked for help"}, allow_redirects=False)
    assert r.status_code == 303
    s = signed_in(server, "s1")
    page = s.get(server.url + "/escalations").text
    keys = _keys(page)
    assert keys[0].startswith("request-") and keys[1:] == S1_OPEN
    block = page[page.index(f'id="esc-{keys[0]}"'):page.index(f'id="esc-{keys[1]}"')]
    assert "Rita asked for help" in block and "takes effect in tonight's run" in block
    assert _resolve(s, server, keys[0], "Spoke with Rita").status_code == 303
    with server.store.sessions() as session:
        row = session.get(EscalationRequest, int(keys[0].removeprefix("request-")))
    assert (row.resolved_by, row.resolution_note) == ("s1", "Spoke with Rita")


def test_manager_and_rep_are_refused_and_audited(server):
    for uid in ("m1", "r1"):
        s = signed_in(server, uid)
        assert s.get(server.url + "/escalations").status_code == 403
        assert s.get(server.url + "/api/escalations").status_code == 403
        assert _resolve(s, server, "e1").status_code == 403
    assert _denied(server.store) == [("m1", "view_escalations", None), ("m1", "view_escalations", None),
                                     ("m1", "resolve_escalation", "e1"), ("r1", "view_escalations", None),
                                     ("r1", "view_escalations", None), ("r1", "resolve_escalation", "e1")]
    assert [r[0] for r in _resolutions(server.store)] == ["e3"]


def test_admin_sees_everything_but_may_not_resolve(server):
    s = signed_in(server, ADMIN)
    page = s.get(server.url + "/escalations", params={"status": "all"}).text
    assert sorted(_keys(page)) == ["e1", "e2", "e3", "e4", "e5", "e6", "e7", f"request-{server.other_request}"]
    assert "/escalations/resolve" not in page and "read only" in page
    assert _resolve(s, server, "e1").status_code == 403
    assert _denied(server.store) == [(f"admin:{ADMIN}", "resolve_escalation", "e1")]
    assert [r[0] for r in _resolutions(server.store)] == ["e3"]


def test_forged_ids_of_another_org_are_refused_and_audited(server):
    s = signed_in(server, "s1")
    forged = ["e5", f"request-{server.other_request}", "request-999", "nope"]
    for key in forged:
        assert _resolve(s, server, key).status_code == 403, key
    assert _denied(server.store) == [("s1", "resolve_escalation", k) for k in forged]
    assert [r[0] for r in _resolutions(server.store)] == ["e3"]
    s2 = signed_in(server, "s2")  # the other org's SLM sees only theirs, and may resolve it
    assert _keys(s2.get(server.url + "/escalations").text) == [f"request-{server.other_request}", "e5"]
    assert _resolve(s2, server, "e5").status_code == 303


def test_resolve_needs_a_note_and_its_csrf_token(server):
    s = signed_in(server, "s1")
    assert _resolve(s, server, "e1", "  ").status_code == 400
    r = s.post(server.url + "/escalations/resolve", data={"escalation": "e1", "note": "x"}, allow_redirects=False)
    assert r.status_code == 403
    assert _denied(server.store) == [("s1", "csrf", "/escalations/resolve")]
    assert [r[0] for r in _resolutions(server.store)] == ["e3"]


# ---------------------------------------------------------------------------------------
# the pure functions


def _item(key, manager, rep, status, date, resolved_at=None):
    resolution = {"at": resolved_at} if resolved_at else None
    return {"key": key, "manager_id": manager, "manager_name": manager, "rep_id": rep, "status": status,
            "date": dt.date.fromisoformat(date), "resolution": resolution, "pending": False, "rep_name": rep}


def test_rollup_alone():
    today = dt.date(2026, 11, 20)
    items = [_item("a", "m1", "r1", "open", "2026-11-01"), _item("b", "m1", "r1", "open", "2026-10-01"),
             _item("c", "m1", "r2", "resolved", "2026-09-01", dt.datetime(2026, 11, 2)),
             _item("d", "m1", "r2", "resolved", "2026-09-01", dt.datetime(2026, 10, 31, 23, 59)),
             _item("e", "m2", "r3", "resolved", "2026-09-01", dt.datetime(2026, 11, 19))]
    got = [(m["manager_id"], m["open"], m["resolved_this_month"], m["reps_escalated"], m["oldest_open_days"])
           for m in q.rollup(items, today)]
    assert got == [("m1", 2, 1, 1, 50), ("m2", 0, 1, 0, None)]


def test_select_items_pages_and_filters():
    items = [_item(str(n), "m1" if n % 2 else "m2", "r1", "open", "2026-11-01") for n in range(q.PAGE_SIZE + 7)]
    first = q.select_items(items, "open", None, 1)
    assert (len(first["items"]), first["total"], first["pages"]) == (q.PAGE_SIZE, q.PAGE_SIZE + 7, 2)
    assert q.select_items(items, "open", None, 9)["page"] == 2  # past the end: the last page
    assert q.select_items(items, "resolved", None, 1)["total"] == 0
    assert q.select_items(items, "all", "m1", 1)["total"] == (q.PAGE_SIZE + 7) // 2


# ---------------------------------------------------------------------------------------
# the store functions on SQLite and PostgreSQL, with the coaching step's real apply


@pytest.fixture
def escalated_world(world):  # noqa: F811
    """The store tests' world after weeks 2 and 3: R1's discovery escalated to S1 by persistence."""
    con = duckdb.connect(str(world.warehouse))
    try:
        run_week(con, 2)
        run_week(con, 3)
        [(eid,)] = con.execute("select escalation_id from coaching.escalations where rule = 'persistence'").fetchall()
    finally:
        con.close()
    world.republish()
    world.persistence_id = eid
    return world


def test_resolving_a_pipeline_escalation_exactly_once(store, escalated_world):  # noqa: F811
    facts, eid = escalated_world.facts, escalated_world.persistence_id
    with pytest.raises(ApprovalRefused, match="not the second-line manager"):
        resolve_published_escalation(store, facts, eid, "M1", "done")
    row = resolve_published_escalation(store, facts, eid, "S1", "  Coached twice  ")
    assert (row.escalation_id, row.rep_id, row.resolved_by, row.note) == (eid, "R1", "S1", "Coached twice")
    with pytest.raises(ApprovalRefused, match="already resolved by S1"):
        resolve_published_escalation(store, facts, eid, "S1", "again")
    with pytest.raises(ApprovalRefused, match="unknown escalation"):
        resolve_published_escalation(store, facts, "E-forged", "S1", "x")
    assert list(resolutions(store)) == [eid]
    assert [(a[1], a[2], a[3]) for a in audit_rows(store)] == [
        ("resolve_escalation", f"escalation:{eid}", False), ("resolve_escalation", f"escalation:{eid}", True),
        ("resolve_escalation", f"escalation:{eid}", False), ("resolve_escalation", "escalation:E-forged", False)]


def test_an_applied_request_is_resolved_on_the_request_and_listed_once(store, escalated_world):  # noqa: F811
    w = escalated_world
    request = request_escalation(store, w.facts, "R3", "M2", "Needs a deal review")
    summary = apply_now(store, w)  # the coaching step writes it to coaching.escalations, then publishes
    assert summary.escalations == 1, summary
    with PublishedFile(published_path(w.warehouse)).cursor() as cur:  # as the app reads it
        published = q.published_escalations(cur, None)
    [manual] = [r for r in published if r["rule"] == "manual"]
    items = q.build(published, {}, {}, {}, q.store_requests(store, None), resolutions(store), tiny_world_org())
    assert sorted(i["key"] for i in items) == sorted([w.persistence_id, manual["escalation_id"]])
    assert next(i for i in items if i["rule"] == "manual")["request_id"] == request.id
    resolve_published_escalation(store, w.facts, manual["escalation_id"], "S1", "Reviewed with Max")
    with store.sessions() as session:
        row = session.get(EscalationRequest, request.id)
    assert (row.resolved_by, row.resolution_note) == ("S1", "Reviewed with Max")
    assert resolutions(store) == {}  # no second place for the same escalation


def tiny_world_org():
    from coaching_pipeline.workbench.access import Org, Person

    return Org.of([Person("R1", "R1", None, True, "M1", "S1"), Person("R3", "R3", None, True, "M2", "S1")])
