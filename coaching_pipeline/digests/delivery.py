"""Mailing a rendered month (coaching contract, "Delivery"): `coaching send --month YYYY-MM`.

What goes: each email document (.eml, digests/email.py) of the month's manifest whose
recipient has an email address in the CRM, to that address, with From (COACHING_MAIL_FROM),
To (the recipient's name and address), Date and a Message-ID (make_msgid, the sender's
domain) added to the file, in one SMTP session (coaching_pipeline.mail). A recipient without
a usable address is skipped and named; a recipient the server refuses (a 5xx to RCPT, or
any error for that one message) is reported as failed and the others still go.

The sent log, <output>/digests/sent-log.jsonl, sits outside the month folders because each
render replaces its month's folder. One JSON line per message the server accepted:

    {"month", "document", "path", "recipient_id", "recipient_email", "sha256" (of the .eml),
     "message_id", "sent_at" (UTC)}

appended and fsynced as soon as the server has accepted the message (only a crash between
that acceptance and the write can send one twice; a line the crash tore is ignored).

A document counts as sent when a line has its month, path and recipient address: never
twice the same document to the same recipient, even when the month was re-rendered since
and its content changed (a corrected digest is not mailed again on its own; to resend one,
remove its line from the log). A recipient whose address changed in the CRM gets it at the
new address. The server is contacted only when something is left to send. The whole send holds an exclusive flock on the log, so
two sends never interleave: the second waits, then finds everything already sent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import fcntl
import hashlib
import json
import os
import re
import smtplib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import format_datetime, make_msgid
from pathlib import Path

import click

from ..mail import MAIL_FROM_VAR, SMTP_URL_VAR, SmtpServer, connect, sender_address
from .render import MANIFEST

SENT_LOG = "sent-log.jsonl"
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class DeliveryError(click.ClickException):
    """Nothing can be sent (no such month rendered, no SMTP server): one line saying why."""


@dataclass(frozen=True)
class Item:
    """One email document of the manifest and its recipient."""

    path: str
    document: str
    recipient_id: str
    recipient_name: str
    recipient_email: str | None
    sha256: str

    @property
    def address(self) -> Address:
        # one line of text: a name from the CRM may hold a newline, which a header cannot
        return Address(display_name=" ".join(self.recipient_name.split()), addr_spec=self.recipient_email or "")

    def __str__(self) -> str:
        return f"{self.path} to {self.address}"


@dataclass
class Plan:
    month: str
    folder: Path
    to_send: list[Item] = field(default_factory=list)
    already_sent: list[tuple[Item, dict]] = field(default_factory=list)  # with its log line
    skipped: list[tuple[Item, str]] = field(default_factory=list)  # with the reason


@dataclass
class SendResult:
    plan: Plan
    dry_run: bool
    server: str | None = None  # printable: never the password (mail.SmtpServer.__str__)
    sent: list[Item] = field(default_factory=list)
    failed: list[tuple[Item, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        p = self.plan
        if self.dry_run:
            return (f"{p.month}: {len(p.to_send)} would be sent, {len(p.already_sent)} already sent, "
                    f"{len(p.skipped)} skipped (dry run: nothing sent)")
        return (f"{p.month}: {len(self.sent)} sent via {self.server}, {len(self.failed)} failed, "
                f"{len(p.already_sent)} already sent, {len(p.skipped)} skipped")


def month_folder(output_dir: str | os.PathLike, month_key: str) -> Path:
    """The rendered month's folder, or a DeliveryError saying how to render it."""
    if not _MONTH.fullmatch(month_key):
        raise DeliveryError(f"{month_key!r} is not a month (YYYY-MM)")
    folder = Path(output_dir) / "digests" / month_key
    if not (folder / MANIFEST).is_file():
        raise DeliveryError(
            f"the digests of {month_key} are not rendered: no {MANIFEST} in {folder}; render the month first "
            f"(coaching run renders the last complete month; or the monthly_digests asset, partition {month_key}-01)")
    return folder


def _valid(address: str) -> bool:
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError, HeaderParseError):
        return False
    return bool(parsed.username and parsed.domain)


def _plan(folder: Path, month_key: str, log: list[dict]) -> Plan:
    documents = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["documents"]
    emails = [d for d in documents if d["format"] == "eml"]
    if documents and not emails:
        raise DeliveryError(f"{folder} holds no email documents (.eml): it was rendered by an older version; "
                            "render the month again")
    sent = {(e.get("month"), e.get("path"), (e.get("recipient_email") or "").lower()): e for e in log}
    plan = Plan(month=month_key, folder=folder)
    for d in sorted(emails, key=lambda d: d["path"]):
        address = (d.get("recipient_email") or "").strip()
        item = Item(path=d["path"], document=d["document"], recipient_id=d["recipient_id"],
                    recipient_name=d["recipient_name"], recipient_email=address or None, sha256=d["sha256"])
        if not address:
            plan.skipped.append((item, "no email address"))
        elif not _valid(address):
            plan.skipped.append((item, "the email address in the CRM is not valid"))
        elif (month_key, item.path, address.lower()) in sent:
            plan.already_sent.append((item, sent[(month_key, item.path, address.lower())]))
        else:
            plan.to_send.append(item)
    return plan


def _read_log(f) -> list[dict]:
    f.seek(0)
    entries = []
    for line in f.read().decode("utf-8", errors="replace").splitlines():
        with contextlib.suppress(ValueError):  # a line torn by a crash mid-write
            entry = json.loads(line)
            if isinstance(entry, dict):
                entries.append(entry)
    return entries


@contextlib.contextmanager
def _locked_log(output_dir: Path, exclusive: bool, echo: Callable[[str], None]) -> Iterator:
    """The sent log, open and flocked (shared to read it, exclusive to send); None when a
    reader finds no log yet (a dry run creates nothing)."""
    path = output_dir / "digests" / SENT_LOG
    if not exclusive and not path.exists():
        yield None
        return
    created = not path.exists()
    with open(path, "a+b") as f:
        if created:  # the new file's name must survive a crash too
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(f.fileno(), mode | fcntl.LOCK_NB)
        except BlockingIOError:
            echo(f"waiting for another coaching send to finish (it holds {path})")
            fcntl.flock(f.fileno(), mode)
        try:
            yield f
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _append(f, entry: dict) -> None:
    size = f.seek(0, os.SEEK_END)
    if size:
        f.seek(size - 1)
        if f.read(1) != b"\n":
            f.write(b"\n")  # after a line torn by a crash: this entry starts a line of its own
    f.write(json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n")
    f.flush()
    os.fsync(f.fileno())


def plan(output_dir: str | os.PathLike, month_key: str) -> Plan:
    """What `send_month` would do now: the documents to send, those already sent and those
    skipped (no usable address)."""
    folder = month_folder(output_dir, month_key)
    with _locked_log(Path(output_dir), exclusive=False, echo=lambda _: None) as f:
        return _plan(folder, month_key, _read_log(f) if f else [])


def _reply(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}".strip()


def _failure(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(_reply(code, text) for code, text in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    return str(exc) or type(exc).__name__


def _message(data: bytes, item: Item, sender: Address) -> email.message.EmailMessage:
    msg = email.message_from_bytes(data, policy=email.policy.SMTP)
    msg["From"] = sender
    msg["To"] = item.address
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = make_msgid(domain=sender.domain)
    return msg


def send_month(output_dir: str | os.PathLike, month_key: str, server: SmtpServer | None, timeout: float, *,
               dry_run: bool = False, echo: Callable[[str], None] | None = None) -> SendResult:
    """Mail the month's email documents not sent yet; `echo` gets one line per document as
    it goes. A dry run needs no server and changes nothing. Raises DeliveryError when the
    month is not rendered or no server is configured; mail.MailSettingsError when the
    server cannot be reached or refuses the login (nothing sent then)."""
    echo = echo or (lambda _: None)
    output_dir = Path(output_dir)
    if dry_run:
        result = SendResult(plan=plan(output_dir, month_key), dry_run=True)
        _report(result.plan, echo, "would send")
        return result
    folder = month_folder(output_dir, month_key)
    if server is None:
        raise DeliveryError(f"mail is not configured: set {SMTP_URL_VAR} (and {MAIL_FROM_VAR}) to send, "
                            "or list what would be sent with --dry-run")
    with _locked_log(output_dir, exclusive=True, echo=echo) as log:
        result = SendResult(plan=_plan(folder, month_key, _read_log(log)), dry_run=False, server=str(server))
        _report(result.plan, echo, None)
        if result.plan.to_send:
            sender = sender_address(server)
            with connect(server, timeout) as session:
                _send_all(session, result, sender, log, echo)
    return result


def _send_all(session: smtplib.SMTP, result: SendResult, sender: Address, log, echo) -> None:
    pending = list(result.plan.to_send)
    while pending:
        item = pending.pop(0)
        data = (result.plan.folder / item.path).read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 != item.sha256:
            result.failed.append((item, "the file changed since it was rendered (its checksum is not the "
                                        "manifest's): render the month again"))
            echo(f"failed {item}: {result.failed[-1][1]}")
            continue
        msg = _message(data, item, sender)
        try:
            session.send_message(msg, from_addr=sender.addr_spec, to_addrs=[item.recipient_email])
        except smtplib.SMTPServerDisconnected as exc:  # the session is gone: nothing else can go
            for lost in (item, *pending):
                result.failed.append((lost, f"the SMTP server closed the connection ({_failure(exc)})"))
                echo(f"failed {lost}: {result.failed[-1][1]}")
            return
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            result.failed.append((item, _failure(exc)))
            echo(f"failed {item}: {result.failed[-1][1]}")
            continue
        _append(log, {"month": result.plan.month, "document": item.document, "path": item.path,
                      "recipient_id": item.recipient_id, "recipient_email": item.recipient_email,
                      "sha256": sha256, "message_id": msg["Message-ID"],
                      "sent_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})
        result.sent.append(item)
        echo(f"sent {item}")


def _report(p: Plan, echo: Callable[[str], None], pending_verb: str | None) -> None:
    """The lines known before sending: already sent, skipped, and (dry run) would send."""
    for item, entry in p.already_sent:
        echo(f"already sent {item} (at {entry.get('sent_at', '?')})")
    for item, reason in p.skipped:
        echo(f"skipped {item.path} ({' '.join(item.recipient_name.split())}): {reason}")
    if pending_verb:
        for item in p.to_send:
            echo(f"{pending_verb} {item}")
