"""Monthly digests on the S sample: the asset materialized with resources built here, after
three weekly coaching runs (28 Sep - 12 Oct 2026) so October has assessments, events and
escalations (the third week escalates); one event approved, one dismissed, one modified, and CRM / call text replaced
by markup to prove it is escaped. The AI narrative runs against a real HTTP server on
127.0.0.1 speaking the Messages API, with the real anthropic SDK pointed at it."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import html
import json
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dagster import DagsterInstance, materialize
from markdown_it import MarkdownIt
from markupsafe import escape

from coaching_pipeline.assets.coaching import daily_flags, weekly_coaching
from coaching_pipeline.assets.digests import MONTHLY_PARTITIONS, monthly_digests
from coaching_pipeline.coaching import approvals
from coaching_pipeline.config import REPO_ROOT
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.digests import charts
from coaching_pipeline.digests.narrative import NARRATIVE_SCHEMA, TOOL_NAME
from coaching_pipeline.resources import RunSettings, Warehouse

from ..browser import rendered_dom, screenshot

# Modules on the shared S sample run in one worker, so it is built once.
pytestmark = pytest.mark.xdist_group("sample")

MONTH = "2026-10-01"
WEEKS = [dt.date(2026, 9, 28), dt.date(2026, 10, 5), dt.date(2026, 10, 12)]
SCRIPT_ACCOUNT = "<script>alert(1)</script>"
MARKUP_TITLE = "Review <img src=x onerror=alert(2)> call"
MODIFIED_ACTION = "Shadow a senior AE on two discovery calls <b>this week</b> & report back"
ARTIFACTS = REPO_ROOT / "test-artifacts"
AI_ENV = ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "COACHING_LLM_MODEL", "COACHING_LLM_TIMEOUT",
          "COACHING_LLM_MAX_RETRIES")


def run_weeks(warehouse: Path, weeks: list[dt.date]) -> None:
    """The weekly coaching asset (assessment, coaching log, escalations) for each week, in order."""
    with DagsterInstance.ephemeral() as instance:
        for week in weeks:
            assert materialize([weekly_coaching], partition_key=week.isoformat(), instance=instance,
                               resources={"warehouse": Warehouse(path=str(warehouse)),
                                          "run": RunSettings(output_dir=str(warehouse.parent))}).success, week


def render(warehouse: Path, output: Path):
    """Materialize the October partition; returns (result, the month's folder, metadata)."""
    result = materialize(
        [monthly_digests], partition_key=MONTH, instance=DagsterInstance.ephemeral(),
        resources={"warehouse": Warehouse(path=str(warehouse)), "run": RunSettings(output_dir=str(output))},
    )
    assert result.success
    [event] = result.get_asset_materialization_events()
    metadata = {k: v.value for k, v in event.event_specific_data.materialization.metadata.items()}
    return output / "digests" / "2026-10", metadata


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def document_text(path: Path, subtype: str | None = None) -> str:
    """What a document says: the file's text, or for an .eml its text parts decoded (the
    plain Markdown, then the HTML; only the text/`subtype` part if given)."""
    if path.suffix != ".eml":
        return path.read_text(encoding="utf-8")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return "\n".join(part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
                     and subtype in (None, part.get_content_subtype()))


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def rep_doc(folder: Path, rep_id: str, fmt: str = "html") -> str:
    [entry] = [d for d in manifest(folder)["documents"]
               if d["recipient_id"] == rep_id and d["format"] == fmt and d["role"] == "rep"]
    return (folder / entry["path"]).read_text()


@pytest.fixture(scope="module")
def sample(sample_built, tmp_path_factory):
    """The sample with four weeks of coaching, October daily flags, decisions and markup
    planted, rendered once without an API key."""
    landing, built, _ = sample_built
    root = tmp_path_factory.mktemp("digests")
    warehouse = root / "warehouse" / "coaching.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(built, warehouse)
    run_weeks(warehouse, WEEKS)
    # a nightly run in October raises the month's daily flags
    assert materialize([daily_flags], instance=DagsterInstance.ephemeral(), resources={
        "warehouse": Warehouse(path=str(warehouse)),
        "run": RunSettings(as_of="2026-10-20", output_dir=str(root / "out")),
    }).success

    con = open_warehouse(warehouse)
    try:
        # a rep with at least three events open at the end of October
        rep_id, manager_id = con.execute("""
            select rep_id, any_value(manager_id) from coaching.coaching_log
            where status = 'open' and opened_on <= date '2026-10-31'
            group by rep_id having count(*) >= 3 order by rep_id limit 1""").fetchone()
        events = con.execute("""
            select coaching_id, recommended_action, pattern_detected from coaching.coaching_log
            where rep_id = ? and status = 'open' order by weeks_flagged desc, coaching_id""", [rep_id]).fetchall()
        approved, dismissed = events[0], events[1]
        approvals.approve(con, approved[0], by=manager_id)
        approvals.dismiss(con, dismissed[0], by=manager_id, note="not a priority")
        other_rep, other_event, other_manager = con.execute("""
            select rep_id, coaching_id, manager_id from coaching.coaching_log
            where status = 'open' and rep_id <> ? order by rep_id, coaching_id limit 1""", [rep_id]).fetchone()
        approvals.modify(con, other_event, by=other_manager, action=MODIFIED_ACTION)
        # CRM and call text holding markup
        # the rep's first next best action its digest shows (more than 90 days past due is hygiene)
        opp = con.execute("""select opportunity_id from marts.next_best_actions
                             where rep_id = ? and close_date >= date '2026-11-13' - 90
                             order by rank_for_rep limit 1""", [rep_id]).fetchone()[0]
        con.execute("update marts.next_best_actions set account_name = ? where opportunity_id = ?", [SCRIPT_ACCOUNT, opp])
        con.execute("update marts.deal_health_scores set account_name = ? where opportunity_id = ?", [SCRIPT_ACCOUNT, opp])
        con.execute("""update intermediate.int_gong_calls set title = ?
                       where rep_id = ? and is_external and call_date between '2026-10-01' and '2026-10-31'""",
                    [MARKUP_TITLE, rep_id])
        sellers = dict(con.execute(
            "select user_id, user_name from intermediate.int_users where is_seller").fetchall())
        # customer contacts of each rep's next best actions (a customer may share a seller's name)
        contacts: dict[str, set[str]] = {}
        for rep, contact in con.execute(
                "select rep_id, contact_name from marts.next_best_actions where contact_name is not null").fetchall():
            contacts.setdefault(rep, set()).add(contact)
    finally:
        con.close()

    charts.clear_cache()
    with pytest.MonkeyPatch.context() as mp:
        for name in AI_ENV:
            mp.delenv(name, raising=False)
        started = time.perf_counter()
        folder, metadata = render(warehouse, root / "out")
        seconds = time.perf_counter() - started
    return {
        "warehouse": warehouse, "root": root, "folder": folder, "metadata": metadata, "seconds": seconds,
        "rep_id": rep_id, "manager_id": manager_id, "approved": approved, "dismissed": dismissed,
        "other_rep": other_rep, "sellers": sellers, "contacts": contacts,
    }


def test_monthly_partitions_are_calendar_months():
    keys = MONTHLY_PARTITIONS.get_partition_keys(current_time=dt.datetime(2026, 11, 2))
    assert keys[0] == "2010-01-01"  # settings partitions.start_date 2010-01-04
    assert keys[-1] == "2026-11-01"  # the month in progress can be previewed


def test_the_samples_digests_render(sample):
    folder, metadata = sample["folder"], sample["metadata"]
    m = manifest(folder)
    assert m["month"] == "2026-10"
    assert m["period"] == {"start": "2026-10-01", "end": "2026-10-31"}
    assert m["data_as_of"] == "2026-11-13"
    roles = [(d["role"], d["format"]) for d in m["documents"]]
    # every seller of the sample (40), every manager with sellers (5), both SLMs with escalations
    assert roles.count(("rep", "html")) == roles.count(("rep", "md")) == roles.count(("rep", "eml")) == 40
    assert roles.count(("manager", "html")) == roles.count(("manager", "md")) == roles.count(("manager", "eml")) == 5
    assert roles.count(("slm", "html")) == roles.count(("slm", "md")) == roles.count(("slm", "eml")) == 2
    assert len(roles) == 3 * 47
    assert metadata["rep_digests"] == 40 and metadata["manager_digests"] == 5 and metadata["slm_notices"] == 2
    for entry in m["documents"]:
        data = (folder / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
        assert entry["recipient_name"] and entry["recipient_id"]
        assert entry["document"] == {"rep": "rep_digest", "manager": "manager_digest", "slm": "slm_notice"}[entry["role"]]
        assert entry["narrative"] == ("template" if entry["role"] == "rep" else None)
    sidecar = json.loads((folder / "render.json").read_text())
    assert sidecar["narrative"]["fallback_reasons"] == {"no_api_key": 40}
    assert sidecar["rendered_at"].endswith("Z")

    rep = rep_doc(folder, sample["rep_id"])
    # self-contained: inline CSS and SVG charts, no script, no external resource
    assert rep.count("<svg") == 3 and "<title>Your deal pattern vs the Top 25%" in rep
    assert 'style="' in rep and "<link" not in rep and "<script" not in rep and 'src="http' not in rep
    assert "@media only screen and (max-width: 620px)" in rep
    for section in ("Your month in brief", "Focus areas agreed with your manager", "Performance vs your team",
                    "Daily activity", "Skill assessment", "Call review highlights", "Next best actions",
                    "Progress since last month"):
        assert section in rep
    assert "Written from your metrics by the standard template." in rep
    assert "## Skill assessment" in rep_doc(folder, sample["rep_id"], "md")

    manager = (folder / next(d["path"] for d in m["documents"] if d["recipient_id"] == sample["manager_id"]
                             and d["format"] == "html")).read_text()
    for section in ("Team roll-up", "Recommendations waiting for your approval", "Escalations in October 2026",
                    "Daily flags in October 2026", "At-risk deals"):
        assert section in manager
    # the dismissed and approved events are decided: they no longer wait for approval
    assert sample["dismissed"][0] not in manager and sample["approved"][0] not in manager
    assert "coaching approvals approve ID --by " + sample["manager_id"] in manager

    con = open_warehouse(sample["warehouse"], read_only=True)
    pending = {r[0] for r in con.execute("""
        select coaching_id from coaching.coaching_log where manager_id = ? and approval_status = 'pending_approval'
        and status = 'open' and opened_on <= '2026-10-31'""", [sample["manager_id"]]).fetchall()}
    flags = [r[0] for r in con.execute(
        "select detail from coaching.daily_flags where manager_id = ? and flag_date = '2026-10-20'",
        [sample["manager_id"]]).fetchall()]
    slm_escalations = con.execute("""
        select slm_id, count(*) from coaching.escalations where escalated_to in ('slm', 'manager_and_slm')
        and escalation_date between '2026-10-01' and '2026-10-31' group by 1""").fetchall()
    con.close()
    assert pending and all(p in manager for p in pending)
    assert all(str(escape(f)) in manager for f in flags)  # every daily flag of the month
    for slm_id, count in slm_escalations:
        notice = (folder / next(d["path"] for d in m["documents"] if d["recipient_id"] == slm_id
                                and d["format"] == "html")).read_text()
        assert notice.count('<div class="esc"') == count
        assert "Week of" in notice and "week 3" in notice  # each escalation's weekly history


def test_a_rep_sees_approved_and_modified_recommendations_never_dismissed_ones(sample):
    folder = sample["folder"]
    approved_id, approved_action, _ = sample["approved"]
    dismissed_id, dismissed_action, dismissed_pattern = sample["dismissed"]
    for fmt in ("html", "md"):
        text = html.unescape(rep_doc(folder, sample["rep_id"], fmt)).replace("\\", "")
        assert approved_action in text
        assert dismissed_action not in text and dismissed_pattern not in text and dismissed_id not in text
        assert approved_id not in text  # ids are for managers
    other = rep_doc(folder, sample["other_rep"])
    assert html.escape(MODIFIED_ACTION, quote=False) in other
    # the pending recommendations of a rep are not shown either
    con = open_warehouse(sample["warehouse"], read_only=True)
    pending = [r[0] for r in con.execute("""select recommended_action from coaching.coaching_log
        where rep_id = ? and approval_status = 'pending_approval'""", [sample["rep_id"]]).fetchall()]
    con.close()
    text = html.unescape(rep_doc(folder, sample["rep_id"]))
    assert pending and not any(p in text for p in pending)


def test_no_rep_digest_mentions_another_rep(sample):
    folder, sellers = sample["folder"], sample["sellers"]
    reps = [d for d in manifest(folder)["documents"] if d["role"] == "rep"]
    assert len(reps) == 120  # html, md and eml of 40 reps
    for entry in reps:
        text = document_text(folder / entry["path"])
        assert sellers[entry["recipient_id"]] in html.unescape(text).replace("\\", "")
        own_contacts = sample["contacts"].get(entry["recipient_id"], set())
        for other_id, name in sellers.items():
            if other_id == entry["recipient_id"]:
                continue
            if name in own_contacts:  # the sample has a customer contact named like a seller
                continue
            assert other_id not in text, (entry["path"], other_id)
            for form in (name, html.escape(name)):
                assert form not in text, (entry["path"], name)


def test_crm_and_call_text_is_escaped(sample):
    folder = sample["folder"]
    page = rep_doc(folder, sample["rep_id"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<script" not in page and "<img" not in page
    markdown = rep_doc(folder, sample["rep_id"], "md")
    # Markdown escapes for Markdown: readable as plain text, literal in a viewer
    assert "\\<script\\>alert(1)\\</script\\>" in markdown and "&lt;" not in markdown
    assert "\\<img src=x onerror=alert(2)\\>" in markdown
    shown = MarkdownIt("commonmark").render(markdown)  # what a Markdown viewer makes of it
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "<script" not in shown
    assert "&lt;img src=x onerror=alert(2)&gt;" in shown and "<img" not in shown
    assert "&lt;b&gt;this week&lt;/b&gt; &amp; report back" in rep_doc(folder, sample["other_rep"])
    for path in [*folder.rglob("*.html"), *folder.rglob("*.eml")]:
        assert "<script" not in document_text(path, "html")


def test_rendering_a_month_again_gives_byte_identical_files(sample):
    folder = sample["folder"]
    before = files(folder)
    charts.clear_cache()  # draw every chart again: the SVGs themselves must be deterministic
    with pytest.MonkeyPatch.context() as mp:
        for name in AI_ENV:
            mp.delenv(name, raising=False)
        again, _ = render(sample["warehouse"], sample["root"] / "out")
    after = files(again)
    assert before.keys() == after.keys()
    assert sum(name.endswith(".eml") for name in before) == 47  # the email variants, PNGs redrawn, too
    changed = [k for k in before if before[k] != after[k]]
    assert changed == ["render.json"]  # only the sidecar carries the render time


def test_the_digest_opens_in_chromium_and_a_screenshot_is_kept(sample):
    folder = sample["folder"]
    rep_path = folder / next(d["path"] for d in manifest(folder)["documents"]
                             if d["recipient_id"] == sample["rep_id"] and d["format"] == "html")
    dom = rendered_dom(rep_path.as_uri(), wait_ms=200)
    assert "Your month in brief" in dom and "<svg" in dom
    assert "<script>alert(1)</script>" not in dom  # shown as text, never run
    shots = [
        screenshot(rep_path.as_uri(), ARTIFACTS / "digest-rep.png", width=900, height=4300, wait_ms=200),
        screenshot(rep_path.as_uri(), ARTIFACTS / "digest-rep-phone.png", width=390, height=7400, wait_ms=200),
    ]
    manager_path = folder / next(d["path"] for d in manifest(folder)["documents"]
                                 if d["recipient_id"] == sample["manager_id"] and d["format"] == "html")
    shots.append(screenshot(manager_path.as_uri(), ARTIFACTS / "digest-manager.png", width=900, height=5200,
                            wait_ms=200))
    for shot in shots:
        assert shot.stat().st_size > 20_000


# --------------------------------------------------------------------------------------
# AI narrative against a local Messages API


class MessagesAPI(ThreadingHTTPServer):
    """POST /v1/messages answering per `mode`: valid | invalid | error | slow."""

    daemon_threads = True
    block_on_close = False

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = "valid"
        self.requests: list[dict] = []
        self.names: list[str] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


VALID_ANSWER = {
    "strengths": ["You kept the longest monologue inside the 150 s target on your calls."],
    "improvement": ["Qualification is the gap to close: fill in MEDDPICC on every open deal (AI-7f3a)."],
    "this_week": ["Book the economic buyer meeting on your largest open deal."],
}


class _Handler(BaseHTTPRequestHandler):
    server: MessagesAPI

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        with self.server.lock:
            self.server.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
            n = len(self.server.requests)
        mode = self.server.mode
        if mode == "error":
            return self._send(500, {"type": "error", "error": {"type": "api_error", "message": "boom"}},
                              {"retry-after-ms": "1"})
        if mode == "slow":
            time.sleep(2.0)
        answer = VALID_ANSWER
        if mode == "invalid":
            # alternately off the schema and naming another seller
            answer = ({"strengths": "not a list", "improvement": [], "this_week": []} if n % 2
                      else {**VALID_ANSWER, "strengths": [f"Be more like {self.server.names[0]} on your calls."]})
        self._send(200, {
            "id": f"msg_{n}", "type": "message", "role": "assistant", "model": body["model"],
            "content": [{"type": "tool_use", "id": f"toolu_{n}", "name": TOOL_NAME, "input": answer}],
            "stop_reason": "tool_use", "stop_sequence": None,
            "usage": {"input_tokens": 321, "output_tokens": 87},
        })

    def _send(self, status: int, payload: dict, headers: dict | None = None):
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass


@pytest.fixture
def api(sample):
    server = MessagesAPI()
    server.names = sorted(sample["sellers"].values())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def ai_env(mp: pytest.MonkeyPatch, api: MessagesAPI, model: str, timeout: float = 10, retries: int = 2):
    mp.setenv("ANTHROPIC_API_KEY", "test-key")
    mp.setenv("ANTHROPIC_BASE_URL", api.url)
    mp.setenv("COACHING_LLM_MODEL", model)
    mp.setenv("COACHING_LLM_TIMEOUT", str(timeout))
    mp.setenv("COACHING_LLM_MAX_RETRIES", str(retries))


def rep_sources(folder: Path) -> set[str]:
    return {d["narrative"] for d in manifest(folder)["documents"] if d["role"] == "rep"}


def test_a_valid_ai_answer_is_used_and_cached(sample, api, tmp_path, monkeypatch):
    ai_env(monkeypatch, api, "test-model-valid")
    folder, metadata = render(sample["warehouse"], tmp_path / "first")
    assert len(api.requests) == 40
    body = api.requests[0]["body"]
    assert api.requests[0]["path"] == "/v1/messages"
    assert "test-key" in json.dumps(api.requests[0]["headers"])  # the configured key is sent
    assert body["model"] == "test-model-valid"
    assert body["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert body["tools"][0]["input_schema"] == NARRATIVE_SCHEMA
    for request in api.requests:  # the prompt holds metrics only: no seller, no account
        prompt = json.dumps(request["body"])
        assert not any(name in prompt for name in sample["sellers"].values())
        assert "alert(1)" not in prompt
    assert rep_sources(folder) == {"ai"}
    page = rep_doc(folder, sample["rep_id"])
    assert "AI-7f3a" in page and "Written by Claude (test-model-valid) from your metrics only." in page
    assert "AI-7f3a" in rep_doc(folder, sample["rep_id"], "md")
    assert (metadata["llm_api_requests"], metadata["llm_cache_hits"]) == (40, 0)
    assert (metadata["llm_input_tokens"], metadata["llm_output_tokens"]) == (40 * 321, 40 * 87)
    con = open_warehouse(sample["warehouse"], read_only=True)
    cached = con.execute("select count(*) from coaching.llm_cache where model = 'test-model-valid'").fetchone()[0]
    con.close()
    assert cached == 40

    # a second render asks nothing: every answer comes from the cache, byte for byte
    again, metadata = render(sample["warehouse"], tmp_path / "second")
    assert len(api.requests) == 40
    assert (metadata["llm_api_requests"], metadata["llm_cache_hits"], metadata["llm_input_tokens"]) == (0, 40, 0)
    first, second = files(folder), files(again)
    assert [k for k in first if first[k] != second[k]] == ["render.json"]


def test_an_invalid_ai_answer_falls_back_to_the_template(sample, api, tmp_path, monkeypatch):
    api.mode = "invalid"
    ai_env(monkeypatch, api, "test-model-invalid")
    folder, metadata = render(sample["warehouse"], tmp_path)
    assert len(api.requests) == 40
    assert rep_sources(folder) == {"template"}
    assert metadata["narrative_fallback_reasons"] == {"invalid_answer": 40}
    page = rep_doc(folder, sample["rep_id"])
    assert "Written from your metrics by the standard template." in page
    assert api.names[0] not in page or api.names[0] == sample["sellers"][sample["rep_id"]]
    con = open_warehouse(sample["warehouse"], read_only=True)
    assert con.execute("select count(*) from coaching.llm_cache where model = 'test-model-invalid'").fetchone()[0] == 0
    con.close()


def test_a_server_error_is_retried_then_falls_back(sample, api, tmp_path, monkeypatch):
    api.mode = "error"
    ai_env(monkeypatch, api, "test-model-error", retries=2)
    folder, metadata = render(sample["warehouse"], tmp_path)
    # each call: the first try and 2 SDK retries; after 3 failed calls the run stops asking
    assert len(api.requests) == 3 * 3
    assert rep_sources(folder) == {"template"}
    assert metadata["narrative_fallback_reasons"] == {"api_error": 3, "api_unavailable": 37}
    assert "Written from your metrics by the standard template." in rep_doc(folder, sample["rep_id"])


def test_a_timeout_falls_back_to_the_template(sample, api, tmp_path, monkeypatch):
    api.mode = "slow"
    ai_env(monkeypatch, api, "test-model-slow", timeout=0.4, retries=0)
    folder, metadata = render(sample["warehouse"], tmp_path)
    assert len(api.requests) == 3
    assert rep_sources(folder) == {"template"}
    assert metadata["narrative_fallback_reasons"] == {"api_error": 3, "api_unavailable": 37}
    assert metadata["llm_input_tokens"] == 0
