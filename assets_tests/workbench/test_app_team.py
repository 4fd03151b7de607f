"""The team view (/team, /api/team): its rules as plain functions, then over HTTP against a real
uvicorn server on the tiny org (SLM s1 over m1 with r1, r2 and m2 with r3), with the figures
computed by hand in team_org.py: who sees whom, ?manager= narrowing, this month's flags and
escalations only, the team's at-risk deals only, the risk quadrant, and each refusal 403 and
in the audit sink."""

import datetime as dt
import re

import pytest

from coaching_pipeline.workbench import team_queries as tq
from coaching_pipeline.workbench.access import viewer_for

from .app_org import ADMIN, RunningServer, build_published, org
from .team_org import build_team_published
from .test_app_http import signed_in

pytestmark = pytest.mark.xdist_group("workbench_http")


# --- plain functions -------------------------------------------------------------------


def test_pace_ratio_and_quadrant_placement():
    assert tq.pace_ratio(0.4, 0.5) == pytest.approx(0.8)
    assert tq.pace_ratio(None, 0.5) is None and tq.pace_ratio(0.4, None) is None and tq.pace_ratio(0.4, 0) is None
    assert tq.place(1.0, 50, 2)["quadrant"] == "on_healthy"  # both boundaries belong to the better side
    assert tq.place(0.99, 49.9, 1)["quadrant_label"] == "behind pace, weak pipeline"
    assert tq.place(1.3, 20, 1)["quadrant"] == "on_weak" and tq.place(0.5, 90, 1)["quadrant"] == "behind_healthy"
    assert tq.place(1.2, None, 0) == {"quadrant": None, "quadrant_label": "not placed: no open deals"}
    assert tq.place(None, 80, 3)["quadrant_label"] == "not placed: no quota this quarter"


def test_attainment_buckets_use_the_digest_bands():
    counts = [b["count"] for b in tq.attainment_buckets([0.1, 0.5, 0.7499, 0.75, 0.99, 1.0, 2.4, None])]
    assert counts == [1, 2, 2, 2, 1]  # < 50%, 50-75%, 75-100%, 100%+, no quota


def test_report_month_is_the_as_of_month_else_the_latest_flag():
    assert tq.report_month(dt.date(2026, 11, 13), dt.date(2026, 10, 2))["label"] == "November 2026"
    fallback = tq.report_month(None, dt.date(2026, 10, 2))
    assert (fallback["key"], fallback["source"]) == ("2026-10", "latest daily flag")
    assert tq.report_month(None, None) is None


def test_scope_of_each_viewer():
    o = org()
    ids = lambda scope: [s.user_id for s in scope.sellers]  # noqa: E731
    assert ids(tq.scope_for(viewer_for(o, (ADMIN,), "m1"), o)) == ["r2", "r1"]  # by name
    slm = tq.scope_for(viewer_for(o, (ADMIN,), "s1"), o)
    assert (slm.kind, ids(slm), [m.user_id for m in slm.managers]) == ("org", ["r2", "r1", "r3"], ["m2", "m1"])
    assert ids(tq.scope_for(viewer_for(o, (ADMIN,), "s1"), o, "m2")) == ["r3"]
    assert tq.scope_for(viewer_for(o, (ADMIN,), email=ADMIN), o).kind == "everyone"
    assert tq.scope_for(viewer_for(o, (ADMIN,), email=ADMIN), o, "m1").label == "Mona Manager's team"
    assert ids(tq.scope_for(viewer_for(o, (ADMIN,), "m1"), o, "m1")) == ["r2", "r1"]
    for who, manager in (("r1", None), ("m1", "m2"), ("m1", "r1"), ("s1", "nobody")):
        with pytest.raises(tq.NotYours):
            tq.scope_for(viewer_for(o, (ADMIN,), who), o, manager)


# --- over HTTP -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    with RunningServer(build_team_published(tmp_path_factory.mktemp("team") / "analytics.duckdb")) as server:
        yield server


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """app_org's file alone: no publication, no daily flags or escalations, r3 without deals."""
    with RunningServer(build_published(tmp_path_factory.mktemp("bare") / "analytics.duckdb")) as server:
        yield server


def _row(page: str, element_id: str) -> str:
    found = re.search(rf'<tr id="{element_id}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, element_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def _ids(page: str, kind: str) -> list[str]:
    return re.findall(rf'<tr id="{kind}-([^"]+)"', page)


def test_manager_sees_exactly_their_reps_with_hand_computed_figures(team):
    s = signed_in(team, "m1")
    api = s.get(team.url + "/api/team").json()
    assert api["scope"]["kind"] == "team" and api["scope"]["label"] == "Your direct reports"
    got = [(r["rep_id"], r["attainment"], r["attainment_text"], r["number"], r["quadrant"]) for r in api["sellers"]]
    assert got == [("r2", 0.75, "75%", 1, "behind_healthy"), ("r1", 1.05, "105%", 2, "on_weak")]
    r2, r1 = api["sellers"]
    assert r1["pace_ratio"] == pytest.approx(1.3125) and r2["pace_ratio"] == pytest.approx(0.9375)
    assert (r1["open_deals"], r1["mean_health"], r2["open_deals"], r2["mean_health"]) == (3, 39.0, 2, 70.0)
    assert (r1["closed_won_text"], r1["quota_text"]) == ("105k", "100k")
    assert api["quarter"]["fiscal_quarter"] == "2026-Q4" and api["quarter"]["pace_text"] == "80%"
    assert api["month"]["label"] == "November 2026" and api["as_of"] == "2026-11-13"
    assert [b["count"] for b in api["attainment"]["buckets"]] == [0, 0, 1, 1, 0]
    assert api["quadrant"]["counts"] == {"behind_weak": 0, "behind_healthy": 1, "on_weak": 1, "on_healthy": 0}
    summary = api["summary"]
    assert (summary["sellers"], summary["attainment_text"], summary["won_text"], summary["quota_text"],
            summary["behind_pace"], summary["at_risk"], summary["flags"], summary["escalations"]) == (
        2, "90%", "180k", "200k", 1, 1, 2, 1)

    page = s.get(team.url + "/team").text
    assert _ids(page, "seller") == ["r2", "r1"] and "Rosa Rep" not in page
    assert _row(page, "seller-r1") == "2 Rita Rep 105% 105k / 100k 131% 3 39 on pace, weak pipeline"
    assert _row(page, "seller-r2") == "1 Ravi Rep 75% 75k / 100k 94% 2 70 behind pace, healthy pipeline"
    for text in ("Your direct reports", "Quarter 2026-Q4", "80% of the quarter elapsed", "November 2026",
                 "13 Nov 2026", "Risk quadrant of 2 sellers", '<link rel="stylesheet" href="/static/team.css">'):
        assert text in page, text
    assert 'id="team-scope"' not in page  # one team: nothing to narrow


def test_skill_levels_count_each_sellers_latest_assessment(team):
    rows = {r["skill"]: r["counts"] for r in signed_in(team, "m1").get(team.url + "/api/team").json()["skills"]["rows"]}
    nonzero = {skill: {lv: k for lv, k in counts.items() if k} for skill, counts in rows.items()}
    assert nonzero == {
        "discovery": {"Expert": 1, "Developing": 1},  # r1's older 50 is not counted
        "qualification": {"Proficient": 1, "no data": 1},
        "presentation": {"no data": 2}, "objection_handling": {"no data": 2}, "negotiation": {"no data": 2},
        "closing": {"Needs Coaching": 1, "Critical": 1},
        "overall": {"Developing": 1, "Needs Coaching": 1},
    }
    page = signed_in(team, "s1").get(team.url + "/team").text
    assert _row(page, "skill-overall") == "Overall 0 1 1 1 0 0"  # Expert, Proficient, Developing, Needs C., Critical, no data
    assert "2 Nov 2026 to 9 Nov 2026" in page and "3 of 3 assessed" in page


def test_flags_and_escalations_of_this_month_only(team):
    s = signed_in(team, "m1")
    api = s.get(team.url + "/api/team").json()
    assert [f["flag_id"] for f in api["flags"]["rows"]] == ["f1", "f2"]  # newest first; f4 is October's
    assert [e["escalation_id"] for e in api["escalations"]["rows"]] == ["e1"]  # e3 is October's, e2 m2's
    assert api["escalations"]["rows"][0]["subject"] == "Discovery"
    page = s.get(team.url + "/team").text
    assert _ids(page, "flag") == ["f1", "f2"] and _ids(page, "escalation") == ["e1"]
    assert _row(page, "flag-f2") == "3 Nov 2026 Rita Rep Large deal fell to red Open deal Acme renewal of 48,000 is red"
    assert _row(page, "escalation-e1") == ("9 Nov 2026 Ravi Rep Pattern persisted 3 weeks Discovery second-line "
                                           "manager Discovery below 70 for 3 weeks")
    assert "October" not in page


def test_at_risk_deals_of_the_team_only(team):
    m1 = signed_in(team, "m1").get(team.url + "/api/team").json()["at_risk"]
    assert [d["opportunity_id"] for d in m1["deals"]] == ["o1"] and m1["amount_text"] == "48k"  # not o6 (hygiene)
    s1 = signed_in(team, "s1")
    org_wide = s1.get(team.url + "/api/team").json()["at_risk"]
    assert [d["opportunity_id"] for d in org_wide["deals"]] == ["o5", "o1"] and org_wide["amount_text"] == "112k"
    page = s1.get(team.url + "/team").text
    assert _row(page, "deal-o1") == "Acme renewal Acme Rita Rep 48k 15 Dec 2026 35 red No touch in 29 days"
    assert "Rosa &lt;big&gt; deal" in page and "Delta &amp; Sons" in page and "<big>" not in page  # escaped


def test_slm_sees_the_whole_org_and_narrows_to_one_manager(team):
    s = signed_in(team, "s1")
    api = s.get(team.url + "/api/team").json()
    assert api["scope"]["kind"] == "org" and [r["rep_id"] for r in api["sellers"]] == ["r2", "r1", "r3"]
    assert [m["user_id"] for m in api["scope"]["managers"]] == ["m2", "m1"]
    assert [f["flag_id"] for f in api["flags"]["rows"]] == ["f3", "f1", "f2"]
    assert [e["escalation_id"] for e in api["escalations"]["rows"]] == ["e2", "e1"]
    page = s.get(team.url + "/team").text
    assert 'id="team-scope"' in page and "The org under you" in page
    assert _row(page, "seller-r3") == "3 Rosa Rep 45% 45k / 100k 56% 1 30 behind pace, weak pipeline"

    narrowed = s.get(team.url + "/api/team", params={"manager": "m2"}).json()
    assert narrowed["scope"]["label"] == "Max Manager's team"
    assert [(r["rep_id"], r["number"], r["quadrant"]) for r in narrowed["sellers"]] == [("r3", 1, "behind_weak")]
    assert [f["flag_id"] for f in narrowed["flags"]["rows"]] == ["f3"]
    assert [e["escalation_id"] for e in narrowed["escalations"]["rows"]] == ["e2"]
    assert [d["opportunity_id"] for d in narrowed["at_risk"]["deals"]] == ["o5"]
    assert narrowed["summary"]["attainment_text"] == "45%"
    page = s.get(team.url + "/team", params={"manager": "m2"}).text
    assert _ids(page, "seller") == ["r3"] and '<option value="m2" selected>' in page
    assert s.get(team.url + "/team", params={"manager": ""}).status_code == 200  # "everyone" of the selector


def test_admin_sees_everyone(team):
    api = signed_in(team, ADMIN).get(team.url + "/api/team").json()
    assert api["scope"]["kind"] == "everyone" and len(api["sellers"]) == 3


def test_a_rep_is_refused_and_audited(team):
    s = signed_in(team, "r1")
    before = len(team.audit.denied())
    assert s.get(team.url + "/team").status_code == 403
    assert s.get(team.url + "/api/team").status_code == 403
    assert s.get(team.url + "/api/team", params={"manager": "m1"}).status_code == 403
    denied = team.audit.denied()[before:]
    assert [(d.actor, d.action, d.target) for d in denied] == [("r1", "view_team", None)] * 2 + [
        ("r1", "view_team", "m1")]
    assert "team page" in denied[0].detail and "team api" in denied[1].detail


def test_a_manager_asking_for_another_team_is_refused_and_audited(team):
    s = signed_in(team, "m1")
    before = len(team.audit.denied())
    for manager in ("m2", "r1", "s1", "nobody"):
        assert s.get(team.url + "/team", params={"manager": manager}).status_code == 403
    assert s.get(team.url + "/api/team", params={"manager": "m2"}).json()["reason"] == "view_team"
    denied = team.audit.denied()[before:]
    assert [(d.actor, d.target) for d in denied] == [("m1", t) for t in ("m2", "r1", "s1", "nobody", "m2")]
    assert {d.action for d in denied} == {"view_team"}
    assert "not a manager whose team you may see" in denied[0].detail
    assert s.get(team.url + "/api/team", params={"manager": "m1"}).status_code == 200  # their own team


def test_the_page_shows_the_api_figures(team):
    s = signed_in(team, "s1")
    api = s.get(team.url + "/api/team").json()
    page = s.get(team.url + "/team").text
    for r in api["sellers"]:
        row = _row(page, f"seller-{r['rep_id']}")
        for key in ("attainment_text", "pace_ratio_text", "mean_health_text", "quadrant_label"):
            assert r[key] in row, (r["rep_id"], key)
    cards = re.sub(r"<[^>]+>", " ", page[page.index('id="summary"'):page.index('id="attainment"')])
    for key in ("attainment_text", "won_text", "quota_text", "at_risk_amount_text"):
        assert api["summary"][key] in cards, key
    for b in api["attainment"]["buckets"]:
        assert f'<td data-band="{b["label"].replace("<", "&lt;")}">{b["count"]}</td>' in page
    assert "svg" not in str(api)  # the API carries numbers, the page the charts


def test_missing_tables_and_deals_give_sentences_not_errors(bare):
    s = signed_in(bare, "s1")
    api = s.get(bare.url + "/api/team").json()
    assert api["month"] is None and api["flags"]["available"] is False and api["escalations"]["available"] is False
    rosa = next(r for r in api["sellers"] if r["rep_id"] == "r3")
    assert (rosa["open_deals"], rosa["quadrant"], rosa["number"]) == (0, None, None)
    page = s.get(bare.url + "/team").text
    for text in ("No daily flags are published yet", "No escalations are published yet", "no month yet",
                 "not placed: no open deals", "no open deals"):
        assert text in page, text
    assert _row(page, "seller-r3").startswith("– Rosa Rep 45%")


def test_openapi_lists_the_team_api(team):
    import requests

    assert "/api/team" in requests.get(team.url + "/api/openapi.json").json()["paths"]
