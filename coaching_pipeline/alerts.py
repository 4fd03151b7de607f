"""What a failed Dagster run tells ops, and where it goes (sensors.run_failure_alerts).

`failure_report` reads a failed run and its failure events (no I/O); `webhook_payload` and
`alert_email` render it; `deliver` sends it to COACHING_ALERT_WEBHOOK_URL (a JSON POST) and,
through COACHING_SMTP_URL (mail.py), to settings alerts.ops_recipients + COACHING_OPS_EMAIL.

The webhook address carries its token in the path: only scheme://host[:port] is ever
printed (logs, errors, the sensor tick). A step's first error line is what the UI shows
first: a dagster.Failure's description, else db.error_line (the user's exception, not
Dagster's "Error occurred while executing op" wrapper).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import smtplib
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import urlsplit

from dagster import DagsterEventType

from .config import settings
from .db import error_line
from .mail import SMTP_URL_VAR, MailSettingsError, SmtpServer, _reason, connect, sender_address, smtp_server

WEBHOOK_VAR = "COACHING_ALERT_WEBHOOK_URL"
OPS_EMAIL_VAR = "COACHING_OPS_EMAIL"
DAGSTER_URL_VAR = "COACHING_DAGSTER_URL"


class AlertDeliveryError(RuntimeError):
    """An alert that did not reach a channel; the message never holds the webhook's token."""


@dataclass(frozen=True)
class StepFailure:
    step: str
    error: str  # the first line of the step's error


@dataclass(frozen=True)
class FailureReport:
    job: str
    run_id: str
    steps: tuple[StepFailure, ...]
    run_error: str | None  # the run's own failure message (what to show when no step failed)
    link: str
    started: dt.datetime | None = None
    ended: dt.datetime | None = None

    @property
    def first_step(self) -> str | None:
        return self.steps[0].step if self.steps else None

    @property
    def first_error(self) -> str:
        return self.steps[0].error if self.steps else (self.run_error or "no error recorded")

    @property  # the mail's subject, and the start of the webhook's text
    def subject(self) -> str:
        return f"Dagster run failed: {self.job} ({self.first_step or 'no step failed'})"


def dagster_ui_url(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return ((env.get(DAGSTER_URL_VAR) or "").strip() or settings().alerts.dagster_url).rstrip("/")


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0].strip()


def _step_error(data) -> str:
    failure = getattr(data, "user_failure_data", None)
    if failure is not None and failure.description and _first_line(failure.description):
        return _first_line(failure.description)
    return error_line(data.error) if data.error is not None else "no error recorded"


def failure_report(run, events: Iterable, dagster_url: str | None = None) -> FailureReport:
    """`run`: a RunRecord (its start and end times are kept) or a DagsterRun. `events`:
    DagsterEvents or EventLogEntries; STEP_FAILUREs give the steps (once each, in order),
    the RUN_FAILURE the run's own message."""
    record = run if hasattr(run, "dagster_run") else None
    dagster_run = record.dagster_run if record is not None else run
    steps: dict[str, StepFailure] = {}
    run_error = first_step_event = None
    for event in events:
        event = getattr(event, "dagster_event", event)  # an EventLogEntry holds its DagsterEvent
        if event is None:
            continue
        data = event.event_specific_data
        if event.event_type == DagsterEventType.STEP_FAILURE:
            steps.setdefault(event.step_key, StepFailure(event.step_key, _step_error(data)))
        elif event.event_type == DagsterEventType.RUN_FAILURE:
            # A run that failed to start (a resource, the launcher) has its error here only.
            error = getattr(data, "error", None)
            run_error = error_line(error) if error is not None else _first_line(event.message or "")
            first_step_event = getattr(data, "first_step_failure_event", None)
    if not steps and first_step_event is not None:  # only the run's failure event was given
        key = first_step_event.step_key
        steps[key] = StepFailure(key, _step_error(first_step_event.event_specific_data))
    return FailureReport(
        job=dagster_run.job_name, run_id=dagster_run.run_id, steps=tuple(steps.values()), run_error=run_error,
        link=f"{(dagster_url or dagster_ui_url()).rstrip('/')}/runs/{dagster_run.run_id}",
        started=_when(record.start_time if record else None), ended=_when(record.end_time if record else None),
    )


def _when(timestamp: float | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC) if timestamp else None


def webhook_payload(report: FailureReport) -> dict:
    """Slack's and Teams' incoming webhooks show "text", one plain line (both turn the URL
    into a link; no markup that one of them would print raw); the fields are for a receiver
    that routes or files alerts."""
    more = f" (and {len(report.steps) - 1} more failed steps)" if len(report.steps) > 1 else ""
    return {
        "text": f"{report.subject}: {report.first_error}{more} - {report.link}",
        "job": report.job, "run_id": report.run_id, "step": report.first_step, "error": report.first_error,
        "steps": [{"step": s.step, "error": s.error} for s in report.steps],
        "link": report.link,
        "started": report.started.isoformat() if report.started else None,
        "ended": report.ended.isoformat() if report.ended else None,
    }


def _utc(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "unknown"


def alert_email(report: FailureReport, sender: Address | str, recipients: Sequence[str]) -> EmailMessage:
    lines = [f"Run {report.run_id} of job {report.job} failed.", ""]
    lines += [f"Step {s.step} failed: {s.error}" for s in report.steps] or [f"The run failed: {report.first_error}"]
    lines += ["", f"Started: {_utc(report.started)}", f"Ended:   {_utc(report.ended)}", "",
              f"Open the run in Dagster: {report.link}"]
    message = EmailMessage()
    message["Subject"] = report.subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(usegmt=True)
    domain = sender.domain if isinstance(sender, Address) else parseaddr(sender)[1].rpartition("@")[2]
    message["Message-ID"] = make_msgid("dagster-alert", domain=domain or None)
    message.set_content("\n".join(lines) + "\n")
    return message


def webhook_host(url: str) -> str:
    """scheme://host[:port] of the webhook: what may be printed of it (no user, path, query)."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a number: not printed either
        port = ""
    return f"{parts.scheme or '?'}://{parts.hostname or '?'}{port}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # Following a redirect turns the POST into a GET (the alert is lost yet looks sent):
    # a 3xx answer is an undelivered alert like any other non-2xx.
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _answer(exc: urllib.error.HTTPError, url: str) -> str:
    """The first line of an error answer ("invalid_token", "no_service" from Slack), unless it
    might repeat the token (a 404 page quoting the path) or is markup."""
    try:
        line = _first_line(exc.read(400).decode("utf-8", "replace"))[:120]
    except OSError:
        return ""
    parts = urlsplit(url)
    secrets = [p for p in [*parts.path.split("/"), parts.query, parts.password or ""] if len(p) >= 4]
    if not line or line.startswith("<") or any(secret in line for secret in secrets):
        return ""
    return f": {line}"


def post_webhook(url: str, payload: Mapping, timeout: float) -> None:
    where = webhook_host(url)
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise AlertDeliveryError(f"{WEBHOOK_VAR} must be an http:// or https:// URL (it is {where})")
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    # `from None` throughout: the causes print the full URL in their tracebacks.
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status, reason = response.status, response.reason
    except urllib.error.HTTPError as exc:
        raise AlertDeliveryError(f"webhook {where} answered HTTP {exc.code} {exc.reason}{_answer(exc, url)}") from None
    except urllib.error.URLError as exc:
        raise AlertDeliveryError(f"cannot reach webhook {where}: {exc.reason}") from None
    except ValueError:  # http.client.InvalidURL quotes the path
        raise AlertDeliveryError(f"{WEBHOOK_VAR} is not a valid URL ({where})") from None
    except OSError as exc:  # a timeout or reset while reading the answer
        raise AlertDeliveryError(f"webhook {where} did not answer: {exc or type(exc).__name__}") from None
    if not 200 <= status < 300:
        raise AlertDeliveryError(f"webhook {where} answered HTTP {status} {reason}")


@dataclass
class Delivery:
    webhook: str | None = None  # scheme://host of the webhook tried
    posted: bool = False
    mailed_to: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # a channel configured that failed
    notes: list[str] = field(default_factory=list)  # a channel half configured, so unused

    def summary(self) -> str:
        done = [f"posted to {self.webhook}"] if self.posted else []
        if self.mailed_to:
            done.append(f"mailed {len(self.mailed_to)} ops ({', '.join(self.mailed_to)})")
        return ", ".join(done) or "sent nowhere"


def ops_recipients(env: Mapping[str, str]) -> list[str]:
    extra = (env.get(OPS_EMAIL_VAR) or "").split(",")
    return list(dict.fromkeys(a.strip() for a in [*settings().alerts.ops_recipients, *extra] if a.strip()))


def _mail(report: FailureReport, server: SmtpServer, recipients: list[str], done: Delivery) -> None:
    message = alert_email(report, sender_address(server), recipients)
    try:
        with connect(server, settings().delivery.smtp_timeout_seconds) as session:
            refused = session.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        done.errors.append(f"the SMTP server {server} refused every ops address: {', '.join(exc.recipients)}")
        return
    except (OSError, smtplib.SMTPException) as exc:
        done.errors.append(f"mail to ops through {server} failed: {_reason(exc)}")
        return
    done.mailed_to = [r for r in recipients if r not in refused]
    if refused:
        done.errors.append(f"the SMTP server {server} refused {', '.join(refused)}")


def deliver(report: FailureReport, env: Mapping[str, str] | None = None) -> Delivery:
    """Every configured channel is tried; one failing does not keep the other from going out."""
    env = os.environ if env is None else env
    done = Delivery()
    url = (env.get(WEBHOOK_VAR) or "").strip()
    if url:
        done.webhook = webhook_host(url)
        try:
            post_webhook(url, webhook_payload(report), settings().alerts.webhook_timeout_seconds)
            done.posted = True
        except AlertDeliveryError as exc:
            done.errors.append(str(exc))
    recipients = ops_recipients(env)
    smtp_set = bool((env.get(SMTP_URL_VAR) or "").strip())
    if recipients and smtp_set:
        try:
            _mail(report, smtp_server(env), recipients, done)
        except MailSettingsError as exc:  # raised by smtp_server and connect, without the password
            done.errors.append(exc.message)
    elif recipients:
        done.notes.append(f"mail is off ({SMTP_URL_VAR} is not set): not mailed to {', '.join(recipients)}")
    elif smtp_set:
        done.notes.append(f"no ops address (settings alerts.ops_recipients, {OPS_EMAIL_VAR}): not mailed")
    return done
