"""Run-failure alerts (coaching_pipeline/alerts.py, sensors.run_failure_alerts): a real
nightly run fails for a real reason (the warehouse path is a directory), the sensor is
evaluated on it as Dagster evaluates it, and a real HTTP server (the webhook) and a real
SMTP server (SmtpSink) record what arrived. Nothing is patched."""

import datetime as dt
import json
import logging
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from dagster import (
    DagsterEvent,
    DagsterEventType,
    DagsterInstance,
    build_run_status_sensor_context,
    build_sensor_context,
)
from dagster._core.events import JobFailureData
from dagster._core.execution.plan.handle import StepHandle
from dagster._core.execution.plan.objects import StepFailureData, UserFailureData
from dagster._core.storage.dagster_run import DagsterRun
from dagster._utils.error import SerializableErrorInfo

from coaching_pipeline.alerts import (
    AlertDeliveryError,
    alert_email,
    failure_report,
    post_webhook,
    webhook_host,
    webhook_payload,
)
from coaching_pipeline.definitions import build_definitions
from coaching_pipeline.paths import resolve_paths
from coaching_pipeline.sensors import run_failure_alerts

from ..landing import write_small_landing
from ..smtp import SmtpSink
from .test_failure_messages import needs_broken

# The module fixture builds once: its tests stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("ops_alerts")

AS_OF = "2025-01-31"
TOKEN_PATH = "/services/T0001/B0002/s3cr3t-t0ken"
UI = "https://dagster.example.com"
OPS = ["ops@example.com", "oncall@example.com"]
RUN_FAILURE = DagsterEventType.RUN_FAILURE.value  # "PIPELINE_FAILURE", its historical name
ALERT_VARS = ("COACHING_ALERT_WEBHOOK_URL", "COACHING_OPS_EMAIL", "COACHING_DAGSTER_URL", "COACHING_SMTP_URL",
              "COACHING_MAIL_FROM")


# ---------------------------------------------------------------- a webhook receiver


@dataclass
class Post:
    path: str
    content_type: str
    body: dict


class Webhook:
    """An HTTP server on 127.0.0.1 recording every POST; it answers `status` with `answer`."""

    def __init__(self):
        self.posts: list[Post] = []
        self.status, self.answer, self.headers = 200, b"ok", {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.posts.append(Post(self.path, self.headers["Content-Type"], json.loads(body)))
                self.send_response(outer.status)
                for name, value in outer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(outer.answer)))
                self.end_headers()
                self.wfile.write(outer.answer)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"http://127.0.0.1:{self.server.server_port}"
        self.url = self.host + TOKEN_PATH

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    with Webhook() as server:
        yield server


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(autouse=True)
def no_alert_settings(monkeypatch):
    """Only what a test sets: the developer's own webhook or SMTP server is never used."""
    for name in ALERT_VARS:
        monkeypatch.delenv(name, raising=False)


def configure(monkeypatch, webhook=None, smtp=None):
    monkeypatch.setenv("COACHING_DAGSTER_URL", UI + "/")  # a trailing slash makes no "//runs"
    if webhook:
        monkeypatch.setenv("COACHING_ALERT_WEBHOOK_URL", webhook.url)
    if smtp:
        monkeypatch.setenv("COACHING_SMTP_URL", smtp.url)
        monkeypatch.setenv("COACHING_MAIL_FROM", "Coaching Pipeline <pipeline@example.com>")
        monkeypatch.setenv("COACHING_OPS_EMAIL", " ops@example.com, oncall@example.com,ops@example.com")


# ---------------------------------------------------------------- a real failed nightly run


@pytest.fixture(scope="module")
def failed_nightly(tmp_path_factory):
    """The nightly job run for real with the warehouse path taken by a directory: every
    ingestion step fails on opening it, nothing downstream starts."""
    root = tmp_path_factory.mktemp("alerts")
    landing = write_small_landing(root / "landing")
    warehouse = root / "warehouse" / "coaching.duckdb"
    warehouse.mkdir(parents=True)
    defs = build_definitions(resolve_paths(str(landing), str(warehouse), str(root / "output"), AS_OF))
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("nightly").execute_in_process(instance=instance, raise_on_error=False)
        assert not result.success
        yield instance, result, warehouse


def evaluate(instance, result):
    """The sensor evaluated on a failed run; returns the log lines it wrote (level, text)."""
    context = build_run_status_sensor_context(
        sensor_name="run_failure_alerts", dagster_instance=instance, dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    )
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append((record.levelname, record.getMessage()))
    context.log.addHandler(handler)
    try:
        assert run_failure_alerts(context) is None
    finally:
        context.log.removeHandler(handler)
    return lines


def utc(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat()


def test_a_failed_nightly_run_is_posted_to_the_webhook_and_mailed_to_ops(failed_nightly, webhook, smtp, monkeypatch):
    instance, result, warehouse = failed_nightly
    configure(monkeypatch, webhook, smtp)
    lines = evaluate(instance, result)

    run_id = result.run_id
    record = instance.get_run_record_by_id(run_id)
    error = f'IO Error: Could not read from file "{warehouse}": Is a directory'
    # Every step that opens the warehouse first (the ingestion steps), in the order they failed.
    steps = [e.step_key for e in result.all_events if e.is_step_failure]
    first, more = steps[0], f" (and {len(steps) - 1} more failed steps)" if len(steps) > 1 else ""
    link = f"{UI}/runs/{run_id}"
    [post] = webhook.posts
    assert (post.path, post.content_type) == (TOKEN_PATH, "application/json")
    assert post.body == {
        "text": f"Dagster run failed: nightly ({first}): {error}{more} - {link}",
        "job": "nightly", "run_id": run_id, "step": first, "error": error,
        "steps": [{"step": step, "error": error} for step in steps],
        "link": link, "started": utc(record.start_time), "ended": utc(record.end_time),
    }

    [mail] = smtp.messages
    assert mail.rcpt_tos == OPS  # COACHING_OPS_EMAIL, trimmed and once each
    assert mail.message["Subject"] == f"Dagster run failed: nightly ({first})"
    assert mail.message["From"] == "Coaching Pipeline <pipeline@example.com>"
    assert mail.message["To"] == "ops@example.com, oncall@example.com"
    body = mail.message.get_content().splitlines()
    started = dt.datetime.fromtimestamp(record.start_time, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert body[:3] == [f"Run {run_id} of job nightly failed.", "", f"Step {first} failed: {error}"]
    assert [line for line in body if line.startswith("Step ")] == [f"Step {s} failed: {error}" for s in steps]
    assert f"Started: {started}" in body
    assert body[-1] == f"Open the run in Dagster: {link}"

    assert lines == [("INFO", f"run {run_id} of nightly failed: posted to {webhook.host}, mailed 2 ops "
                               "(ops@example.com, oncall@example.com)")]


def test_with_no_webhook_and_no_smtp_nothing_is_sent_and_the_sensor_says_so_once(failed_nightly, webhook, smtp):
    instance, result, _ = failed_nightly
    lines = evaluate(instance, result)
    assert (webhook.posts, smtp.messages) == ([], [])
    assert lines == [("WARNING", f"run {result.run_id} of nightly failed; no alert channel is configured "
                                 "(COACHING_ALERT_WEBHOOK_URL, or COACHING_SMTP_URL with ops addresses)")]


def test_ops_addresses_without_smtp_are_named_as_not_mailed(failed_nightly, webhook, monkeypatch):
    instance, result, _ = failed_nightly
    configure(monkeypatch, webhook)
    monkeypatch.setenv("COACHING_OPS_EMAIL", "ops@example.com")
    lines = evaluate(instance, result)
    assert len(webhook.posts) == 1
    assert lines == [
        ("INFO", f"run {result.run_id}: mail is off (COACHING_SMTP_URL is not set): not mailed to ops@example.com"),
        ("INFO", f"run {result.run_id} of nightly failed: posted to {webhook.host}"),
    ]


def test_a_webhook_answering_500_fails_the_tick_naming_the_host_and_the_mail_still_goes_out(
        failed_nightly, webhook, smtp, monkeypatch):
    instance, result, _ = failed_nightly
    configure(monkeypatch, webhook, smtp)
    webhook.status, webhook.answer = 500, f"no route for {TOKEN_PATH}".encode()  # an answer quoting the token
    with pytest.raises(AlertDeliveryError) as raised:
        evaluate(instance, result)
    assert str(raised.value) == (
        f"the alert for run {result.run_id} (nightly) was not delivered everywhere: webhook {webhook.host} answered "
        "HTTP 500 Internal Server Error (done: mailed 2 ops (ops@example.com, oncall@example.com))")
    assert "s3cr3t" not in str(raised.value) and "/services" not in str(raised.value)
    assert len(webhook.posts) == 1
    [mail] = smtp.messages
    assert mail.rcpt_tos == OPS


def test_as_the_daemon_evaluates_it_a_delivery_error_fails_the_tick_once_and_is_not_repeated(
        tmp_path, webhook, monkeypatch):
    """Through Dagster's own run-status evaluation: the error becomes the tick's error and the
    cursor moves past the run, so the next tick does not post the same failure again."""
    configure(monkeypatch, webhook)
    webhook.status = 503
    landing = write_small_landing(tmp_path / "landing")
    (tmp_path / "warehouse.duckdb").mkdir()
    defs = build_definitions(resolve_paths(str(landing), str(tmp_path / "warehouse.duckdb"), str(tmp_path / "o"), AS_OF))
    with DagsterInstance.ephemeral() as instance:
        first = run_failure_alerts.evaluate_tick(build_sensor_context(instance=instance))  # starts the cursor
        defs.resolve_job_def("nightly").execute_in_process(instance=instance, raise_on_error=False)
        tick = run_failure_alerts.evaluate_tick(build_sensor_context(instance=instance, cursor=first.cursor))
        again = run_failure_alerts.evaluate_tick(build_sensor_context(instance=instance, cursor=tick.cursor))
    [reaction] = tick.dagster_run_reactions
    assert f"webhook {webhook.host} answered HTTP 503 Service Unavailable" in reaction.error.message
    assert "s3cr3t" not in reaction.error.to_string()
    assert again.dagster_run_reactions == [] and len(webhook.posts) == 1


def test_a_run_failing_before_any_step_is_reported_with_its_own_error(webhook, monkeypatch):
    configure(monkeypatch, webhook)
    with DagsterInstance.ephemeral() as instance:
        result = needs_broken.execute_in_process(instance=instance, raise_on_error=False)
        evaluate(instance, result)
    [post] = webhook.posts
    assert (post.body["step"], post.body["steps"], post.body["error"]) == (None, [], "ValueError: no such folder: /x")
    assert post.body["text"] == ("Dagster run failed: needs_broken (no step failed): ValueError: no such folder: /x"
                                 f" - {UI}/runs/{result.run_id}")


# ---------------------------------------------------------------- the webhook's answers


def test_webhook_errors_name_the_host_only(webhook):
    webhook.status, webhook.answer = 404, b"no_service"  # Slack's answer to a revoked webhook
    with pytest.raises(AlertDeliveryError, match=f"^webhook {webhook.host} answered HTTP 404 Not Found: no_service$"):
        post_webhook(webhook.url, {"text": "x"}, timeout=5)
    # a redirect is not followed: it would turn the POST into a GET and lose the alert
    webhook.status, webhook.answer, webhook.headers = 302, b"", {"Location": webhook.url + "/elsewhere"}
    with pytest.raises(AlertDeliveryError, match=f"^webhook {webhook.host} answered HTTP 302 Found$"):
        post_webhook(webhook.url, {"text": "x"}, timeout=5)
    assert [p.path for p in webhook.posts] == [TOKEN_PATH, TOKEN_PATH]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(AlertDeliveryError, match=f"^cannot reach webhook http://127.0.0.1:{closed}: .*refused"):
        post_webhook(f"http://127.0.0.1:{closed}{TOKEN_PATH}", {"text": "x"}, timeout=5)
    assert webhook_host("https://user:pw@hooks.example.com/services/T/B/tok?x=1") == "https://hooks.example.com"


# ---------------------------------------------------------------- pure functions on hand-made events


def wrapped(cause: SerializableErrorInfo) -> SerializableErrorInfo:
    return SerializableErrorInfo('dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while '
                                 'executing op "x":\n', [], "DagsterExecutionStepExecutionError", cause)


def step_failure(step: str, error: SerializableErrorInfo, description: str | None = None) -> DagsterEvent:
    failure = UserFailureData(label="intentional-failure", description=description) if description else None
    return DagsterEvent(DagsterEventType.STEP_FAILURE.value, "nightly", step_handle=StepHandle.parse_from_key(step),
                        event_specific_data=StepFailureData(error, failure))


def test_failure_report_takes_each_steps_first_error_line(monkeypatch):
    monkeypatch.setenv("COACHING_DAGSTER_URL", "http://ops-box:3000")
    run = DagsterRun(job_name="nightly", run_id="r-1")
    dbt = step_failure("dbt_models", wrapped(SerializableErrorInfo(
        "dagster._core.definitions.events.Failure: dbt build failed: model.coaching.x (error)\n", [], "Failure")),
        description="dbt build failed: model.coaching.x (error)\nsee target/run_results.json")
    boom = step_failure("raw__account", wrapped(SerializableErrorInfo("ValueError: boom\nline two\n", [], "ValueError")))
    run_failed = DagsterEvent(RUN_FAILURE, "nightly", message='Execution of run for "nightly" failed.',
                              event_specific_data=JobFailureData(error=None))
    report = failure_report(run, [run_failed, dbt, boom, dbt])  # a step reported twice counts once
    assert [(s.step, s.error) for s in report.steps] == [
        ("dbt_models", "dbt build failed: model.coaching.x (error)"), ("raw__account", "ValueError: boom")]
    assert report.link == "http://ops-box:3000/runs/r-1"
    assert webhook_payload(report) == {
        "text": "Dagster run failed: nightly (dbt_models): dbt build failed: model.coaching.x (error) "
                "(and 1 more failed steps) - http://ops-box:3000/runs/r-1",
        "job": "nightly", "run_id": "r-1", "step": "dbt_models", "error": "dbt build failed: model.coaching.x (error)",
        "steps": [{"step": "dbt_models", "error": "dbt build failed: model.coaching.x (error)"},
                  {"step": "raw__account", "error": "ValueError: boom"}],
        "link": "http://ops-box:3000/runs/r-1", "started": None, "ended": None,
    }


def test_a_run_that_failed_to_start_is_reported_by_its_own_message():
    run = DagsterRun(job_name="weekly_coaching_job", run_id="r-2")
    launch = DagsterEvent(RUN_FAILURE, "weekly_coaching_job", message="Run failed to start.",
                          event_specific_data=JobFailureData(error=SerializableErrorInfo(
                              "dagster._core.errors.DagsterLaunchFailedError: Error launching run\n", [],
                              "DagsterLaunchFailedError", SerializableErrorInfo("OSError: [Errno 28] No space left on "
                                                                                "device\n", [], "OSError"))))
    report = failure_report(run, [launch], dagster_url="https://d.example.com")
    assert (report.steps, report.run_error) == ((), "OSError: [Errno 28] No space left on device")
    assert webhook_payload(report)["text"] == ("Dagster run failed: weekly_coaching_job (no step failed): OSError: "
                                               "[Errno 28] No space left on device - https://d.example.com/runs/r-2")
    mail = alert_email(report, "Coaching <pipeline@example.com>", ["ops@example.com"])
    assert mail["Subject"] == "Dagster run failed: weekly_coaching_job (no step failed)"
    assert mail.get_content() == (
        "Run r-2 of job weekly_coaching_job failed.\n\n"
        "The run failed: OSError: [Errno 28] No space left on device\n\n"
        "Started: unknown\nEnded:   unknown\n\n"
        "Open the run in Dagster: https://d.example.com/runs/r-2\n")
    silent = DagsterEvent(RUN_FAILURE, "nightly", message="Execution of run failed.\nmore",
                          event_specific_data=JobFailureData(error=None))
    assert failure_report(run, [silent], dagster_url="x").first_error == "Execution of run failed."
