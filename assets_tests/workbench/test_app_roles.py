"""The role sections of the workbench (issue 20): the rep dashboard's "Your <role> metrics" and
the team view's roll-up per role, over HTTP against a real uvicorn server on the tiny org of
app_org.py (m1 over Rita r1 and Ravi r2, m2 over Rosa r3), with the marts.role_metrics rows of
roles_org.py for November 2026 (the month of the publication's as_of): Rita an AE (Ann's
figures of assets_tests/digests/role_rows.py), Ravi an SDR (Sara's), Rosa an AE.

A rep sees their own row only, their own role's metrics only, and a median only when two
other sellers of the cohort make it up (the AE cohort is Rita and Rosa: one peer, so Rita
reads "AE median n/a" where her manager reads "AE median 85%"). A file published before
role_metrics existed says no role data was delivered."""

import json
import re

import pytest

from .app_org import RunningServer
from .roles_org import build_roles_published
from .team_org import build_team_published
from .test_app_http import signed_in

pytestmark = pytest.mark.xdist_group("workbench_http")


@pytest.fixture(scope="module")
def roles(tmp_path_factory):
    with RunningServer(build_roles_published(tmp_path_factory.mktemp("roles") / "analytics.duckdb")) as server:
        yield server


@pytest.fixture(scope="module")
def older(tmp_path_factory):
    """A file published before role_metrics existed."""
    with RunningServer(build_team_published(tmp_path_factory.mktemp("older") / "analytics.duckdb")) as server:
        yield server


def _section(page: str) -> str:
    found = re.search(r'<section class="card" id="role-metrics">(.*?)</section>', page, re.S)
    assert found, "no role section"
    return found.group(1)


def _items(section: str) -> list[str]:
    return [re.sub(r"\s+", " ", x).strip() for x in re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)]


def _row(page: str, element_id: str) -> str:
    found = re.search(rf'<tr[^>]* id="{element_id}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, element_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


AE_LINES_FOR_RITA = [
    "Attainment vs pace 92% (won and Commit 460k of 500k quota to date); AE median n/a",
    "Forecast accuracy 78% (2026-Q3: won 390k of 500k Commit; the quarter before 80%); AE median n/a; "
    "outside the 85-115% band 2 closed quarters running",
    "Stage conversion Qualification to Discovery: not enough data (6 of 10)",
    "Stage conversion Discovery to Proposal 45% (9 of 20 deals); Mid-Market AE median n/a",
    "Days in Qualification 6 days (median of 12 deals); Mid-Market AE median n/a",
    "Discount depth on won deals 12% (over 340k of won line items); Mid-Market AE median n/a",
]


def test_a_rep_sees_their_own_role_row_only(roles):
    s = signed_in(roles, "r1")
    page = s.get(roles.url + "/reps/r1").text
    section = _section(page)
    assert "<h2>Your AE metrics</h2>" in section
    assert _items(section) == AE_LINES_FOR_RITA
    assert "Deals, renewals and onboardings of 1 Sep 2026 to 13 Nov 2026" in section
    # no other seller's row nor another role's metric; not October's row (10%)
    for text in ("Ravi", "Rosa", "Meeting acceptance", "Renewal rate", "Time to value", "10%", "50%"):
        assert text not in section, text
    api = s.get(roles.url + "/api/reps/r1/dashboard").json()["roles"]
    assert [line["text"] for sec in api["sections"] for line in sec["lines"]] == AE_LINES_FOR_RITA
    assert "r3" not in json.dumps(api) and "r2" not in json.dumps(api)
    # and another rep's dashboard stays refused
    assert s.get(roles.url + "/reps/r2").status_code == 403


def test_the_manager_reads_the_medians_and_each_reps_own_role(roles):
    s = signed_in(roles, "m1")
    rita = _section(s.get(roles.url + "/reps/r1").text)
    assert "<h2>AE metrics</h2>" in rita
    assert _items(rita)[0] == "Attainment vs pace 92% (won and Commit 460k of 500k quota to date); AE median 85%"
    ravi = _items(_section(s.get(roles.url + "/reps/r2").text))
    assert ravi[:2] == ["Meeting acceptance 5% (2 of 40 touches); SDR median 4%",
                        "Conversion to qualified opportunity: not enough data (2 of 10)"]
    assert not any("Attainment" in line or "Stage conversion" in line for line in ravi)


def test_the_team_view_rolls_up_each_role_of_the_team(roles):
    s = signed_in(roles, "m1")
    page = s.get(roles.url + "/team").text
    section = _section(page)
    assert "Role metrics, November 2026" in section
    assert re.findall(r"<h3>(.*?)</h3>", section) == ["AEs (1)", "SDRs (1)"]
    assert _row(section, "role-row-r1") == "Rita Rep 92% 78%"
    assert _row(section, "role-team-AE") == "Team median 92% (1 of 1 seller) 78% (1 of 1 seller)"
    assert _row(section, "role-cohort-AE") == "AE median 85% 97%"
    assert _row(section, "role-row-r2") == "Ravi Rep 5% (2 of 40 touches) not enough data (2 of 10)"
    assert _row(section, "role-team-SDR") == "Team median 5% (1 of 1 seller) n/a (0 of 1 seller)"
    assert "Rosa" not in section  # m2's rep
    api = s.get(roles.url + "/api/team").json()["roles"]
    assert [(g["role"], [x["rep_id"] for x in g["sellers"]]) for g in api["groups"]] == [("AE", ["r1"]),
                                                                                          ("SDR", ["r2"])]
    # the SLM's view covers both teams: both AEs, by name
    slm = _section(signed_in(roles, "s1").get(roles.url + "/team").text)
    assert _row(slm, "role-team-AE") == "Team median 71% (2 of 2 sellers) 78% (2 of 2 sellers)"  # (0.92 + 0.5) / 2


def test_a_file_without_role_metrics_says_no_role_data_was_delivered(older):
    rep = _section(signed_in(older, "r1").get(older.url + "/reps/r1").text)
    assert "No AE metrics for November 2026: no role data was delivered." in rep
    team = _section(signed_in(older, "m1").get(older.url + "/team").text)
    assert "No role data was delivered for November 2026." in team
    assert _row(team, "role-row-r1") == "Rita Rep no data no data"
