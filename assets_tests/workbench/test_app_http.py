"""The workbench over HTTP against a real uvicorn server: sign-in, the dashboard, the API, and
each refusal answered 403 and written to the audit sink."""

import re

import pytest
import requests

from .app_org import ADMIN, RunningServer, build_published

pytestmark = pytest.mark.xdist_group("workbench_http")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return build_published(tmp_path_factory.mktemp("wb") / "analytics.duckdb")


@pytest.fixture(scope="module")
def dev(published):
    with RunningServer(published) as server:
        yield server


def signed_in(server, user_id) -> requests.Session:
    s = requests.Session()
    page = s.get(server.url + "/signin")
    assert page.status_code == 200 and "Dev sign-in" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = s.post(server.url + "/signin", data={"csrf_token": token, "user_id": user_id}, allow_redirects=False)
    assert r.status_code == 303, r.text
    s.csrf = token
    return s


def test_anonymous_is_sent_to_sign_in(dev):
    r = requests.get(dev.url + "/reps/r1", allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin"
    assert requests.get(dev.url + "/api/me").status_code == 401


def test_session_cookie_is_httponly_and_lax(dev):
    r = requests.get(dev.url + "/signin")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_rep_sees_own_dashboard_with_agreed_coaching_only(dev):
    s = signed_in(dev, "r1")
    assert s.get(dev.url + "/", allow_redirects=False).headers["location"] == "/reps/r1"
    page = s.get(dev.url + "/reps/r1")
    assert page.status_code == 200
    for text in ("Attainment", "105%", "Acme renewal", "No touch in 29 days", "Dana Buyer", "Approved pattern",
                 "Hold a 60/40 talk ratio", "fill green", "Discovery"):
        assert text in page.text, text
    for hidden in ("Pending pattern", "Dismissed pattern", "Ravi Rep", "Mona Manager"):
        assert hidden not in page.text, hidden
    api = s.get(dev.url + "/api/reps/r1/dashboard").json()
    assert [f["coaching_id"] for f in api["insights"]["focus_areas"]] == ["c1", "c2"]
    assert api["kpis"]["attainment"]["bar_tone"] == "green"
    # this week: her first next best action, then her first agreed focus area (c1, 2 weeks)
    assert api["insights"]["this_week"] == [
        "Re-engage: no touch in 29 days: call (Acme renewal)",
        "Work on your focus area as agreed with your manager: Ask more questions"]
    assert "Work on your focus area as agreed with your manager: Ask more questions" in page.text


def test_a_manager_sees_the_reps_week_never_a_pending_recommendation_in_it(dev):
    api = signed_in(dev, "m1").get(dev.url + "/api/reps/r1/dashboard").json()
    assert "c3" in [f["coaching_id"] for f in api["insights"]["focus_areas"]]  # pending: the manager sees it
    assert api["insights"]["this_week"][1] == "Work on your focus area as agreed with your manager: Ask more questions"


def test_rep_asking_for_another_rep_is_refused_and_audited(dev):
    s = signed_in(dev, "r1")
    before = len(dev.audit.denied())
    assert s.get(dev.url + "/reps/r2").status_code == 403
    assert s.get(dev.url + "/api/reps/r2/dashboard").status_code == 403
    denied = dev.audit.denied()[before:]
    assert [(d.actor, d.action, d.target) for d in denied] == [("r1", "view_rep", "r2")] * 2


def test_manager_sees_their_reps_and_pending_but_not_another_team(dev):
    s = signed_in(dev, "m1")
    page = s.get(dev.url + "/reps/r1")
    assert "Pending pattern" in page.text and "awaiting your decision" in page.text
    assert "Dismissed pattern" not in page.text
    assert "Ravi Rep" in page.text and "Rosa Rep" not in page.text  # the rep selector
    q3 = s.get(dev.url + "/api/reps/r1/dashboard", params={"quarter": "2026-Q3"}).json()
    assert q3["quarter"] == "2026-Q3" and q3["kpis"]["attainment"]["bar_tone"] == "red"
    assert s.get(dev.url + "/reps/r3").status_code == 403
    assert dev.audit.denied()[-1].actor == "m1" and dev.audit.denied()[-1].target == "r3"
    me = s.get(dev.url + "/api/me").json()
    assert me["roles"] == ["manager"] and [r["rep_id"] for r in me["reps"]] == ["r2", "r1"]  # by name


def test_slm_and_admin_see_everyone(dev):
    assert {r["rep_id"] for r in signed_in(dev, "s1").get(dev.url + "/api/reps").json()} == {"r1", "r2", "r3"}
    admin = signed_in(dev, ADMIN)
    assert admin.get(dev.url + "/reps/r3").status_code == 200


def test_post_without_csrf_token_is_refused_and_audited(dev):
    s = signed_in(dev, "m1")
    before = len(dev.audit.denied())
    assert s.post(dev.url + "/signout", data={}).status_code == 403
    assert s.post(dev.url + "/signout", headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert requests.post(dev.url + "/signin", data={"user_id": "s1"}).status_code == 403  # sign-in too
    denied = dev.audit.denied()[before:]
    assert [d.action for d in denied] == ["csrf"] * 3 and denied[0].actor == "m1"
    assert s.get(dev.url + "/api/me").status_code == 200  # still signed in
    # with the token (htmx's header) the same post goes through
    r = s.post(dev.url + "/signout", headers={"X-CSRF-Token": s.csrf}, allow_redirects=False)
    assert r.status_code == 303 and s.get(dev.url + "/api/me").status_code == 401


def test_openapi_lists_the_api(dev):
    doc = requests.get(dev.url + "/api/openapi.json").json()
    assert {"/api/me", "/api/reps", "/api/reps/{rep_id}/dashboard"} <= set(doc["paths"])
    assert not any(not p.startswith("/api/") for p in doc["paths"])  # pages are not API


def test_proxy_identity_from_a_trusted_proxy(published):
    with RunningServer(published, auth="proxy", trusted=("127.0.0.1",)) as server:
        r = requests.get(server.url + "/api/me", headers={"X-Forwarded-Email": "MONA@example.com"})
        assert r.status_code == 200 and r.json()["user_id"] == "m1"
        assert requests.get(server.url + "/api/me").status_code == 401
        r = requests.get(server.url + "/api/me", headers={"X-Forwarded-Email": "stranger@example.com"})
        assert r.status_code == 403
        assert requests.get(server.url + "/signin", allow_redirects=False).status_code == 303  # no dev sign-in


def test_forged_proxy_header_from_an_untrusted_address_is_refused_and_audited(published):
    # the server trusts only 10.9.9.9; the test connects from 127.0.0.1 (X-Forwarded-For changes nothing)
    with RunningServer(published, auth="proxy", trusted=("10.9.9.9",)) as server:
        headers = {"X-Forwarded-Email": "sam@example.com", "X-Forwarded-For": "10.9.9.9"}
        assert requests.get(server.url + "/api/reps/r1/dashboard", headers=headers).status_code == 403
        assert requests.get(server.url + "/reps/r1", headers=headers).status_code == 403
        denied = server.audit.denied()
        assert [(d.actor, d.action) for d in denied] == [("sam@example.com", "proxy_identity")] * 2
        assert "127.0.0.1" in denied[0].detail


def test_a_newly_published_file_is_read_without_a_restart(tmp_path):
    """Publishing replaces the file by a rename; the next request reads the new one."""
    import os

    import duckdb

    target = build_published(tmp_path / "analytics.duckdb")
    with RunningServer(target) as server:
        s = signed_in(server, "m1")
        assert "Acme renewal" in s.get(server.url + "/reps/r1").text
        newer = build_published(tmp_path / ".analytics.duckdb.new.tmp")
        con = duckdb.connect(str(newer))
        con.execute("update marts.deal_health_scores set opportunity_name = 'Acme renewal v2' where opportunity_id = 'o1'")
        con.close()
        os.replace(newer, target)
        assert "Acme renewal v2" in s.get(server.url + "/reps/r1").text


def test_crm_text_is_escaped_on_every_page(tmp_path):
    """Names and deal names come from the CRM: markup in them is shown as text, never run."""
    import duckdb

    target = build_published(tmp_path / "analytics.duckdb")
    con = duckdb.connect(str(target))
    con.execute("update marts.sellers set rep_name = 'Rita <img src=x onerror=alert(1)>' where rep_id = 'r1'")
    con.execute("update marts.deal_health_scores set opportunity_name = '<script>alert(2)</script>' "
                "where opportunity_id = 'o1'")
    con.close()
    with RunningServer(target) as server:
        s = signed_in(server, "m1")
        for path in ("/reps/r1", "/reps", "/inbox", "/team"):
            page = s.get(server.url + path).text
            assert "<img src=x" not in page and "<script>alert" not in page, path
        page = s.get(server.url + "/reps/r1").text
        assert "Rita &lt;img src=x onerror=alert(1)&gt;" in page
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
