"""The admin data-quality and run-status page (/admin, /api/admin): its reads as plain
functions on hand-made rows, then over HTTP against a real server on the tiny published file
with the ops schema (admin_org.py): what an admin sees, and everyone else refused, audited."""

import datetime as dt

import duckdb
import pytest
import requests
from markupsafe import escape

from coaching_pipeline.workbench import admin_queries as aq
from coaching_pipeline.workbench.published import PublishedFile

from .admin_org import BROKEN, BROKEN_REASON, RUN_ID, add_admin_tables, admin_store, without_ops
from .app_org import ADMIN, RunningServer, build_published
from .test_app_http import signed_in

pytestmark = pytest.mark.xdist_group("workbench_http")

NOW = dt.datetime(2026, 11, 14, 9, 0)


def _file(source, file, at, status="loaded", read=1):
    return {"source": source, "file": file, "loaded_at": at, "file_modified_at": None, "status": status,
            "rows_read": read, "rows_loaded": read if status == "loaded" else None,
            "rows_quarantined": 0 if status == "loaded" else None}


def test_the_latest_load_runs_back_to_the_first_long_gap():
    t = NOW - dt.timedelta(hours=7)
    files = [_file("crm", "crm/a.csv", t - dt.timedelta(days=1)), _file("crm", "crm/b.csv", t),
             _file("gong", "gong/c.json", t + dt.timedelta(minutes=29)),
             _file("crm", "crm/d.csv", t + dt.timedelta(minutes=50), status="failed")]
    batch = aq.latest_load(files)
    assert [f["file"] for f in batch] == ["crm/b.csv", "gong/c.json", "crm/d.csv"]
    assert aq.latest_load(files, gap=dt.timedelta(minutes=20)) == [files[3]]
    assert aq.latest_load([]) == []
    summary = aq.load_summary(batch)
    assert (summary["files"], summary["rejected"], summary["from"], summary["to"]) == (3, 1, t, files[3]["loaded_at"])
    assert summary["per_source"] == [
        {"source": "crm", "files": 2, "rejected": 1, "rows_read": 2, "rows_loaded": 1, "rows_quarantined": 0},
        {"source": "gong", "files": 1, "rejected": 0, "rows_read": 1, "rows_loaded": 1, "rows_quarantined": 0}]
    assert [f["file"] for f in aq.rejected(files)] == ["crm/d.csv"]


def test_a_source_is_stale_when_its_newest_loaded_file_is_over_three_days_old():
    files = [_file("crm", "crm/old.csv", NOW - dt.timedelta(days=9)), _file("crm", "crm/new.csv", NOW - dt.timedelta(days=1)),
             _file("crm", "crm/broken.csv", NOW, status="failed"),
             _file("gong", "gong/p.json", NOW - dt.timedelta(days=3, minutes=1)),
             _file("activity", "activity/x.csv", NOW - dt.timedelta(hours=1), status="failed")]
    assert [(s["source"], s["file"], s["age_days"], s["stale"]) for s in aq.stale_sources(files, NOW)] == [
        ("activity", None, None, True),  # only ever rejected: nothing of it is in
        ("crm", "crm/new.csv", 1.0, False),  # a rejection is no delivery
        ("gong", "gong/p.json", 3.0, True)]


def test_time_texts():
    assert aq.when_text(dt.datetime(2026, 11, 14, 2, 5, 59)) == "2026-11-14 02:05 UTC"
    assert aq.when_text(None) == "never"
    assert [aq.ago_text(NOW - d, NOW) for d in (dt.timedelta(seconds=30), dt.timedelta(minutes=45),
                                                dt.timedelta(hours=26), dt.timedelta(days=5))] == [
        "just now", "45 min ago", "26 h ago", "5 days ago"]
    assert aq.run_link("r-1", "http://dagster:3000") == "http://dagster:3000/runs/r-1"
    assert aq.run_link(None, "http://dagster:3000") is None and aq.run_link("r-1", None) is None
    assert aq.dagster_url({"COACHING_DAGSTER_URL": "http://ops.example/dagster/"}) == "http://ops.example/dagster"


def test_the_store_state_counts_what_waits_and_who_was_refused(tmp_path):
    store = admin_store(tmp_path / "decisions.sqlite", NOW)
    try:
        state = aq.store_state(store, NOW)
    finally:
        store.close()
    h = dt.timedelta(hours=1)
    assert {k: state[k] for k in ("decisions_pending", "oldest_pending", "requests_pending", "last_applied",
                                  "escalations_open", "oldest_open_escalation", "refusals")} == {
        "decisions_pending": 1, "oldest_pending": NOW - 3 * h, "requests_pending": 0, "last_applied": NOW - 20 * h,
        "escalations_open": 1, "oldest_open_escalation": NOW - 48 * h, "refusals": 2}
    assert [(r["actor"], r["action"], r["target"]) for r in state["latest_refusals"]] == [
        ("r1", "view_rep", "r2"), (None, "csrf", "/signin")]
    assert aq.store_state(None, NOW) == {"configured": False}


def test_the_overview_of_the_published_file(tmp_path):
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    published = add_admin_tables(build_published(tmp_path / "analytics.duckdb"), now)
    with PublishedFile(published).cursor() as cur:
        data = aq.overview(cur, None, now, "http://dagster:3000")
    pub = data["publication"]
    assert (pub["as_of"], pub["run_id"], pub["run_link"], pub["age_hours"]) == (
        dt.date(2026, 11, 13), RUN_ID, f"http://dagster:3000/runs/{RUN_ID}", 1.0)
    assert [(t["schema"], t["table"], t["rows"]) for t in pub["tables"]] == [
        ("coaching", "coaching_log", 8), ("marts", "rep_performance", 6), ("marts", "sellers", 3),
        ("ops", "loaded_files", 5), ("ops", "quarantine_summary", 2)]
    load = data["latest_load"]
    assert [f["file"] for f in load["files_list"]] == [
        "crm/Opportunity__2026-11-13.csv", BROKEN, "activity/activities_2026-11.csv"]
    assert load["per_source"] == [
        {"source": "activity", "files": 1, "rejected": 0, "rows_read": 20, "rows_loaded": 20, "rows_quarantined": 0},
        {"source": "crm", "files": 2, "rejected": 1, "rows_read": 10, "rows_loaded": 7, "rows_quarantined": 3}]
    assert [(f["file"], f["error"], f["attempts"]) for f in data["rejected"]] == [(BROKEN, BROKEN_REASON, 2)]
    assert [(q["reason"], q["rows"], q["first_rows"], q["example_reason"]) for q in data["quarantine"]] == [
        ("Amount: must be >= 0", 2, [4, 9], "Amount: must be >= 0 (got '-1')"),
        ("OwnerId: required value missing", 1, [2], "OwnerId: required value missing")]
    assert [(s["source"], s["file"], s["stale"]) for s in data["sources"]] == [
        ("activity", "activity/activities_2026-11.csv", False), ("crm", "crm/Opportunity__2026-11-13.csv", False),
        ("gong", "gong/calls_0001.json", True)]
    assert data["has_ops"] and data["store"] == {"configured": False}


def test_the_latest_weeks_process_gaps(tmp_path):
    published = build_published(tmp_path / "analytics.duckdb")
    con = duckdb.connect(str(published))
    con.execute("""create table coaching.process_gaps as select * from (values
        ('AE', 'qualification', date '2026-11-02', 18, 13, 35.0, 'meddpicc_completeness'),
        ('AE', 'qualification', date '2026-11-09', 18, 12, 37.5, 'meddpicc_completeness'),
        ('AM', 'qualification', date '2026-11-09', 7, 5, 30.0, 'champion_and_eb_rate'))
        t(role, skill, assessment_date, scored_sellers, sellers_with_gap, median_score, common_weakest_component)""")
    con.close()
    with PublishedFile(published).cursor() as cur:
        gaps = aq.overview(cur, None, NOW)["process_gaps"]
    assert [(g["role"], g["assessment_date"], g["sellers_with_gap"], g["scored_sellers"]) for g in gaps] == [
        ("AE", dt.date(2026, 11, 9), 12, 18), ("AM", dt.date(2026, 11, 9), 5, 7)]
    assert [(g["skill_label"], g["component_label"]) for g in gaps] == [
        ("Qualification", "MEDDPICC completeness of open deals"),
        ("Qualification", "champion and economic-buyer identification")]


def test_a_publication_without_ops_shows_what_it_has(tmp_path):
    published = without_ops(build_published(tmp_path / "analytics.duckdb"))
    with PublishedFile(published).cursor() as cur:
        data = aq.overview(cur, None, NOW)
    assert (data["has_ops"], data["rejected"], data["quarantine"], data["sources"]) == (False, [], [], [])
    assert data["latest_load"]["files"] == 0
    assert (data["publication"]["run_id"], data["publication"]["run_link"]) == (None, None)


# -- over HTTP ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wb-admin")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    published = add_admin_tables(build_published(folder / "analytics.duckdb"), now)
    store = admin_store(folder / "decisions.sqlite", now)
    with RunningServer(published, store=store) as server:
        yield server
    store.close()


def test_the_admin_sees_publication_loads_quarantine_and_the_store(admin_server, monkeypatch):
    monkeypatch.setenv("COACHING_DAGSTER_URL", "http://dagster.example:3000/")
    s = signed_in(admin_server, ADMIN)
    assert s.get(admin_server.url + "/", allow_redirects=False).headers["location"] == "/admin"
    page = s.get(admin_server.url + "/admin")
    assert page.status_code == 200
    for text in ('href="/static/admin.css"', f'href="http://dagster.example:3000/runs/{RUN_ID}"', "13 Nov 2026",
                 "3 files between", "1 rejected", escape(BROKEN_REASON), "2 attempts", "Amount: must be &gt;= 0", "4, 9",
                 'class="source-gong"><td>gong</td><td class="wrap">gong/calls_0001.json</td>',
                 "Refused requests in the last 7 days: 2", "dashboard page", "ops.quarantine_summary",
                 "<h2>Process gaps</h2>", "None in the latest assessment."):
        assert text in page.text, text
    assert page.text.count('<span class="band red">stale</span>') == 1  # gong only
    api = s.get(admin_server.url + "/api/admin").json()
    assert (api["publication"]["run_id"], api["store"]["decisions_pending"], api["store"]["escalations_open"],
            api["store"]["refusals"]) == (RUN_ID, 1, 1, 2)
    assert [f["file"] for f in api["rejected"]] == [BROKEN]
    assert "/api/admin" in requests.get(admin_server.url + "/api/openapi.json").json()["paths"]
    # what the page prints is escaped: here a refusal whose target a URL chose
    assert signed_in(admin_server, "r1").get(admin_server.url + "/reps/<b>x").status_code == 403
    page = s.get(admin_server.url + "/admin").text
    assert "Refused requests in the last 7 days: 3" in page
    assert "&lt;b&gt;x" in page and "<b>x" not in page


@pytest.mark.parametrize("user", ["m1", "s1", "r1"])
def test_everyone_but_an_admin_is_refused_and_audited(tmp_path, user):
    published = add_admin_tables(build_published(tmp_path / "analytics.duckdb"),
                                 dt.datetime.now(dt.UTC).replace(tzinfo=None))
    with RunningServer(published) as server:
        s = signed_in(server, user)
        assert s.get(server.url + "/admin").status_code == 403
        assert s.get(server.url + "/api/admin").status_code == 403
        assert 'href="/admin"' not in s.get(server.url + "/reps").text  # no link to it either
        denied = server.audit.denied()
        assert [(d.actor, d.action) for d in denied] == [(user, "view_admin")] * 2
        assert "api admin" in denied[1].detail
        assert requests.get(server.url + "/api/admin").status_code == 401  # not signed in


def test_without_a_store_the_page_says_so(tmp_path):
    published = add_admin_tables(build_published(tmp_path / "analytics.duckdb"),
                                 dt.datetime.now(dt.UTC).replace(tzinfo=None))
    with RunningServer(published) as server:
        page = signed_in(server, ADMIN).get(server.url + "/admin")
        assert page.status_code == 200 and "No decisions store is configured" in page.text
