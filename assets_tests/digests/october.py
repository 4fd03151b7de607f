"""The October 2026 sample the digest tests share (conftest.py builds it once): its month,
the markup planted in it, render helpers, and a real HTTP server on 127.0.0.1 speaking the
Messages API for the AI narrative, which the real anthropic SDK is pointed at."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dagster import DagsterInstance, materialize

from coaching_pipeline.assets.coaching import weekly_coaching
from coaching_pipeline.assets.digests import monthly_digests
from coaching_pipeline.config import REPO_ROOT
from coaching_pipeline.digests.narrative import TOOL_NAME
from coaching_pipeline.resources import RunSettings, Warehouse

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


def ai_env(mp: pytest.MonkeyPatch, api: MessagesAPI, model: str, timeout: float = 10, retries: int = 2):
    mp.setenv("ANTHROPIC_API_KEY", "test-key")
    mp.setenv("ANTHROPIC_BASE_URL", api.url)
    mp.setenv("COACHING_LLM_MODEL", model)
    mp.setenv("COACHING_LLM_TIMEOUT", str(timeout))
    mp.setenv("COACHING_LLM_MAX_RETRIES", str(retries))


def rep_sources(folder: Path) -> set[str]:
    return {d["narrative"] for d in manifest(folder)["documents"] if d["role"] == "rep"}
