"""The digest archive (/digests, /api/digests, /digests/{month}/{path}) over HTTP against a real
uvicorn server: who sees which documents, a document served as rendered under a CSP that
loads nothing, someone else's document refused (403, audited), and every traversal attempt
(../, absolute, encoded, a listed symbolic link, an unlisted file) answered 404 without a
byte from outside the month's folder. The folder functions are tested alone."""

import http.client
import re
from dataclasses import replace

import pytest

from coaching_pipeline.workbench import archive_queries as q
from coaching_pipeline.workbench.access import viewer_for

from .app_org import ADMIN, RunningServer, build_published
from .app_org import org as tiny_org
from .escalations_org import SECRET, build_digests, doc_path
from .test_app_http import signed_in

pytestmark = pytest.mark.xdist_group("workbench_http")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("archive")
    published = build_published(root / "analytics.duckdb")
    digests = build_digests(root)
    running = RunningServer(published)
    running.app.state.settings = replace(running.app.state.settings, digests=digests)
    running.digests = digests
    with running:
        yield running


def _links(page: str) -> list[str]:
    return re.findall(r'href="(/digests/\d{4}-\d{2}/[^"]+)"', page)


def _api_links(data: dict) -> list[str]:
    return [u for m in data["months"] for d in m["documents"] for u in d["urls"].values()]


def _html_of(month: str, *uids) -> list[str]:
    return [f"/digests/{month}/{doc_path(u)}" for u in uids]


def test_rep_sees_only_their_own_documents(server):
    s = signed_in(server, "r1")
    page = s.get(server.url + "/digests")
    assert page.status_code == 200
    assert page.text.index('id="month-2026-10"') < page.text.index('id="month-2026-09"')  # newest first
    assert _links(page.text) == [
        "/digests/2026-10/rep/rita-rep-r1.html", "/digests/2026-10/rep/rita-rep-r1.md",
        "/digests/2026-10/rep/rita-rep-r1.eml", "/digests/2026-10/rep/link-r1.html",
        "/digests/2026-09/rep/rita-rep-r1.html"]
    for hidden in ("Ravi Rep", "Rosa Rep", "Mona Manager", "2026-11"):
        assert hidden not in page.text.split("<main>")[1], hidden
    api = s.get(server.url + "/api/digests").json()
    assert [m["month"] for m in api["months"]] == ["2026-10", "2026-09"]
    assert sorted(_api_links(api)) == sorted(_links(page.text))


def test_manager_sees_theirs_and_their_reps_not_another_team(server):
    s = signed_in(server, "m1")
    links = _links(s.get(server.url + "/digests").text)
    october = [u for u in links if "/2026-10/" in u and u.endswith(".html") and "link-" not in u]
    assert october == _html_of("2026-10", "m1", "r2", "r1")  # their own first, then reps by name
    assert _links(s.get(server.url + "/digests", params={"month": "2026-09"}).text) == _html_of("2026-09", "m1", "r1")
    for other in ("r3", "r4", "m2", "s1"):
        assert f"/digests/2026-10/{doc_path(other)}" not in links, other
        assert s.get(server.url + f"/digests/2026-10/{doc_path(other)}").status_code == 403
    assert sorted(_api_links(s.get(server.url + "/api/digests").json())) == sorted(links)
    denied = server.audit.denied()[-4:]
    assert [(d.actor, d.action, d.target) for d in denied] == [
        ("m1", "open_digest", f"2026-10/{doc_path(u)}") for u in ("r3", "r4", "m2", "s1")]


def test_slm_sees_the_org_under_them_and_admin_everything(server):
    slm = _links(signed_in(server, "s1").get(server.url + "/digests", params={"month": "2026-10"}).text)
    assert [u for u in slm if u.endswith(".html") and "link-" not in u] == _html_of(
        "2026-10", "s1", "m2", "m1", "r2", "r1", "r3")
    admin = _links(signed_in(server, ADMIN).get(server.url + "/digests", params={"month": "2026-10"}).text)
    assert len([u for u in admin if u.endswith(".html")]) == 8  # everyone's, the link entry too


def test_a_document_is_served_as_rendered_under_a_csp_that_loads_nothing(server):
    s = signed_in(server, "r1")
    r = s.get(server.url + "/digests/2026-10/rep/rita-rep-r1.html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.content == (server.digests / "2026-10" / "rep" / "rita-rep-r1.html").read_bytes()
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    eml = s.get(server.url + "/digests/2026-10/rep/rita-rep-r1.eml")
    assert eml.status_code == 200 and eml.headers["content-disposition"] == 'attachment; filename="rita-rep-r1.eml"'
    assert s.get(server.url + "/digests/2026-10/rep/rita-rep-r1.md").headers["content-type"].startswith("text/plain")


def test_someone_elses_document_is_refused_and_audited(server):
    s = signed_in(server, "r1")
    before = len(server.audit.denied())
    assert s.get(server.url + "/digests/2026-10/rep/ravi-rep-r2.html").status_code == 403
    assert s.get(server.url + "/digests/2026-09/manager/mona-manager-m1.html").status_code == 403
    assert [(d.actor, d.action, d.target) for d in server.audit.denied()[before:]] == [
        ("r1", "open_digest", "2026-10/rep/ravi-rep-r2.html"),
        ("r1", "open_digest", "2026-09/manager/mona-manager-m1.html")]


def _raw_get(server, session, path: str) -> tuple[int, bytes]:
    """A GET with the path sent exactly as written (no client normalises `..` away)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    conn.putheader("Cookie", cookie)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body


def test_the_raw_client_reaches_a_listed_document(server):
    """The control of the traversal tests below: the same client, a listed path, 200."""
    status, body = _raw_get(server, signed_in(server, ADMIN), "/digests/2026-10/rep/rita-rep-r1.html")
    assert status == 200 and b"rep_digest for Rita Rep" in body


@pytest.mark.parametrize("path", [
    "/digests/2026-10/../secret.txt", "/digests/2026-10/../../secret.html", "/digests/2026-10/rep/../../secret.txt",
    "/digests/2026-10/%2e%2e/secret.txt", "/digests/2026-10/%2e%2e/%2e%2e/secret.html",
    "/digests/2026-10/%2E%2E%2Fsecret.txt", "/digests/..%2F..%2Fsecret.html/x", "/digests/2026-10//etc/passwd",
    "/digests/2026-10/%2Fetc%2Fpasswd", "/digests/2026-10/rep/link-r1.html", "/digests/2026-10/rep/unlisted.html",
    "/digests/2026-10/manifest.json", "/digests/2026-11/anything.html", "/digests/.2026-12.tmp-1/x.html",
    "/digests/2026-10/rep/rita-rep-r1.html%00.txt", "/digests/2026-10/./rep/rita-rep-r1.html",
])
def test_traversal_attempts_never_read_outside_the_folder(server, path):
    s = signed_in(server, ADMIN)  # the admin may open everything listed: only the path check stands
    status, body = _raw_get(server, s, path)
    assert status in (403, 404), (path, status)
    assert SECRET.encode() not in body


def test_missing_folder_or_no_month_is_a_sentence(server, tmp_path):
    s = signed_in(server, "r1")
    settings = server.app.state.settings
    try:
        server.app.state.settings = replace(settings, digests=tmp_path / "nothing")
        page = s.get(server.url + "/digests")
        assert page.status_code == 200 and "No digest has been rendered here yet" in page.text
        assert s.get(server.url + "/api/digests").json() == {"state": "no_folder", "months": [], "month": None}
        (tmp_path / "nothing").mkdir()
        assert "No month has been rendered yet" in s.get(server.url + "/digests").text
        server.app.state.settings = replace(settings, digests=None)
        assert "No digest has been rendered here yet" in s.get(server.url + "/digests").text
    finally:
        server.app.state.settings = settings
    assert "There is no digest for you" in signed_in(server, "r3").get(
        server.url + "/digests", params={"month": "2026-09"}).text


# ---------------------------------------------------------------------------------------
# the folder functions alone


def test_months_and_may_open_alone(tmp_path):
    digests = build_digests(tmp_path)
    assert q.months(digests) == ["2026-10", "2026-09"]
    assert q.months(tmp_path / "missing") is None
    org = tiny_org()
    r1, m2 = viewer_for(org, (), user_id="r1"), viewer_for(org, (), user_id="m2")
    docs = q.manifest(digests, "2026-10")
    assert [d["path"] for d in docs if q.may_open(m2, org, d)] == ["rep/rosa-rep-r3.html", "manager/max-manager-m2.html"]
    assert {d["recipient_id"] for d in docs if q.may_open(r1, org, d)} == {"r1"}
    with pytest.raises(q.NotServed):
        q.read_document(digests, "2026-10", "rep/link-r1.html")
    with pytest.raises(q.NotServed):
        q.read_document(digests, "2026-10", "../secret.html")
    assert q.read_document(digests, "2026-10", "rep/rita-rep-r1.md").startswith(b"rep_digest")
