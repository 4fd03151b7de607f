"""`coaching send --month YYYY-MM` (coaching contract, "Delivery"), run as a real process
against a real SMTP server on 127.0.0.1 (assets_tests/smtp.py, aiosmtpd) that receives every
message: each .eml of the October sample (conftest.py) with an email recipient is delivered
once, the sent log keeps it from going twice, --dry-run sends nothing, a refused recipient
fails alone and goes on the next run; one received rep digest is opened in headless
Chromium the way a mail client shows it (cid: images saved as files)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from email.headerregistry import Address
from pathlib import Path
from urllib.parse import quote

import pytest

from coaching_pipeline.digests import charts

from ..browser import rendered_dom, screenshot
from ..smtp import SmtpSink
from ..smtp import _free_port as free_port

pytestmark = pytest.mark.xdist_group("sample")


SENDER = "Sales Coaching <coaching@example.com>"
SCREENSHOTS = (Path("/tmp/email-digest.png"), Path("/tmp/email-digest-390.png"))


def coaching_send(out: Path | None, smtp_url: str | None, *args: str, env: dict | None = None):
    """The command as an operator runs it, in its own process."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COACHING_")}
    if smtp_url:
        environ.update(COACHING_SMTP_URL=smtp_url, COACHING_MAIL_FROM=SENDER)
    environ.update(env or {})
    cmd = [sys.executable, "-m", "coaching_pipeline.cli", "send", *args]
    if out is not None:
        cmd += ["--output", str(out)]
    return subprocess.run(cmd, capture_output=True, text=True, env=environ, timeout=300)


@pytest.fixture
def out(sample, tmp_path):
    """A private output folder holding the rendered October (the sent log is written next
    to it), one rep's CRM email address removed from the manifest."""
    root = tmp_path / "out"
    shutil.copytree(sample["folder"], root / "digests" / "2026-10")
    path = root / "digests" / "2026-10" / "manifest.json"
    m = json.loads(path.read_text())
    nobody = next(d["recipient_id"] for d in m["documents"] if d["role"] == "rep" and d["recipient_id"] != sample["rep_id"])
    for d in m["documents"]:
        if d["recipient_id"] == nobody and d["role"] == "rep":
            d["recipient_email"] = None
    path.write_text(json.dumps(m, indent=2))
    return root


def mailable(out: Path) -> list[dict]:
    """The manifest's email documents with a recipient address: what must be delivered."""
    m = json.loads((out / "digests" / "2026-10" / "manifest.json").read_text())
    return [d for d in m["documents"] if d["format"] == "eml" and d["recipient_email"]]


def to(d: dict) -> str:
    """The recipient as the command prints it (a name with a dot or comma comes quoted)."""
    return str(Address(display_name=d["recipient_name"], addr_spec=d["recipient_email"]))


def sent_log(out: Path) -> list[dict]:
    path = out / "digests" / "sent-log.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_send_delivers_each_digest_once_to_its_recipient(out):
    expected = mailable(out)
    assert len(expected) == 46  # 47 documents, one rep without an address
    with SmtpSink() as smtp:
        dry = coaching_send(out, smtp.url, "--month", "2026-10", "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert smtp.messages == [] and not (out / "digests" / "sent-log.jsonl").exists()
        assert dry.stdout.count("would send ") == 46
        assert "2026-10: 46 would be sent, 0 already sent, 1 skipped (dry run: nothing sent)" in dry.stdout

        first = coaching_send(out, smtp.url, "--month", "2026-10")
        assert first.returncode == 0, first.stderr
        received = smtp.messages
        assert len(received) == 46
        assert re.search(r"^skipped rep/\S+\.eml \(.+\): no email address$", first.stdout, re.M)
        assert first.stdout.strip().splitlines()[-1].startswith("2026-10: 46 sent via smtp://127.0.0.1:")
        by_recipient = {(r.rcpt_tos[0], r.message["X-Coaching-Document"]): r for r in received}
        assert len(by_recipient) == 46 and all(len(r.rcpt_tos) == 1 for r in received)
        for d in expected:
            r = by_recipient[(d["recipient_email"], d["document"])]
            msg = r.message
            assert f"sent {d['path']} to {to(d)}\n" in first.stdout
            assert r.mail_from == "coaching@example.com" and msg["From"] == SENDER
            assert msg["To"].addresses[0].addr_spec == d["recipient_email"]
            assert msg["To"].addresses[0].display_name == d["recipient_name"]
            assert msg["Date"] and re.fullmatch(r"<\S+@example\.com>", msg["Message-ID"])
            types = [p.get_content_type() for p in msg.walk()]
            assert types[:2] == ["multipart/alternative", "text/plain"] and "text/html" in types
            markdown = (out / "digests" / "2026-10" / d["path"]).with_suffix(".md").read_text()
            assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == markdown
        log = sent_log(out)
        assert [(e["path"], e["recipient_email"]) for e in log] == [(d["path"], d["recipient_email"]) for d in expected]
        assert len({e["message_id"] for e in log}) == 46
        assert {e["message_id"] for e in log} == {r.message["Message-ID"] for r in received}
        assert all(e["sha256"] == d["sha256"] and e["month"] == "2026-10" for e, d in zip(log, expected, strict=True))

        # the month re-rendered with other content: the same document to the same recipient, not sent again
        changed = out / "digests" / "2026-10" / expected[0]["path"]
        changed.write_bytes(changed.read_bytes().replace(b"Subject: ", b"Subject: (corrected) ", 1))
        manifest_path = out / "digests" / "2026-10" / "manifest.json"
        m = json.loads(manifest_path.read_text())
        for d in m["documents"]:
            if d["path"] == expected[0]["path"]:
                d["sha256"] = hashlib.sha256(changed.read_bytes()).hexdigest()
        manifest_path.write_text(json.dumps(m, indent=2))
        second = coaching_send(None, smtp.url, "--month", "2026-10", env={"COACHING_OUTPUT_DIR": str(out)})
        assert second.returncode == 0, second.stderr
        assert len(smtp.messages) == 46
        assert second.stdout.count("already sent ") == 46 and not re.search("^sent ", second.stdout, re.M)
        assert "2026-10: 0 sent via" in second.stdout and "46 already sent" in second.stdout
        again = coaching_send(out, smtp.url, "--month", "2026-10", "--dry-run")
        assert "would send" not in again.stdout and "0 would be sent, 46 already sent" in again.stdout


def test_a_refused_recipient_fails_alone_and_goes_on_the_next_run(out, sample):
    expected = mailable(out)
    [refused] = [d for d in expected if d["recipient_id"] == sample["rep_id"]]
    with SmtpSink() as smtp:
        smtp.refuse(refused["recipient_email"])
        first = coaching_send(out, smtp.url, "--month", "2026-10")
        assert first.returncode == 1
        assert f"failed {refused['path']} to {to(refused)}: 550 5.1.1 mailbox unavailable\n" in first.stdout
        assert "45 sent via" in first.stdout and "1 failed" in first.stdout
        assert len(smtp.messages) == 45
        assert refused["recipient_email"] not in {r.rcpt_tos[0] for r in smtp.messages}
        assert refused["path"] not in {e["path"] for e in sent_log(out)}
        smtp.handler.refuse.clear()  # the mailbox is back
        second = coaching_send(out, smtp.url, "--month", "2026-10")
        assert second.returncode == 0, second.stdout + second.stderr
        assert "2026-10: 1 sent via" in second.stdout and "45 already sent" in second.stdout
        assert [r.rcpt_tos for r in smtp.messages[45:]] == [[refused["recipient_email"]]]
        assert len(sent_log(out)) == 46


def test_sends_at_the_same_time_never_send_a_document_twice(out):
    """The sent log's flock: the second and third wait, then find everything sent."""
    with SmtpSink() as smtp:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("COACHING_")}
        environ.update(COACHING_SMTP_URL=smtp.url, COACHING_MAIL_FROM=SENDER)
        cmd = [sys.executable, "-m", "coaching_pipeline.cli", "send", "--month", "2026-10", "--output", str(out)]
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=environ) for _ in range(3)]
        outputs = [p.communicate(timeout=300)[0] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0]
        assert len(smtp.messages) == 46
        assert len({(r.rcpt_tos[0], r.message["X-Coaching-Document"]) for r in smtp.messages}) == 46
    assert sorted(re.search(r"^2026-10: (\d+) sent", o, re.M).group(1) for o in outputs) == ["0", "0", "46"]
    assert len(sent_log(out)) == 46


def test_authenticated_smtp_never_prints_the_password(out):
    password = "s3cr3t p@ss/word"
    with SmtpSink(user="coach", password=password) as smtp:
        url = f"smtp://coach:{quote(password, safe='')}@127.0.0.1:{smtp.port}"
        # (no wrong-password case: SmtpSink's refusal never answers the AUTH, so smtplib waits
        # for its timeout; mail.connect's error text is the same as for an unreachable server)
        unreachable = coaching_send(out, url.replace(f":{smtp.port}", f":{free_port()}"), "--month", "2026-10")
        assert unreachable.returncode == 1 and not (out / "digests" / "sent-log.jsonl").read_text()
        assert unreachable.stderr.startswith("Error: cannot reach the SMTP server smtp://coach@127.0.0.1:")
        dry = coaching_send(out, url, "--month", "2026-10", "--dry-run")
        sent = coaching_send(out, url, "--month", "2026-10")
        assert sent.returncode == 0, sent.stderr
        assert len(smtp.messages) == 46
        assert "46 sent via smtp://coach@127.0.0.1:" in sent.stdout  # the server named, without its password
        for proc in (unreachable, dry, sent):
            for secret in (password, quote(password, safe=""), "s3cr3t"):
                assert secret not in proc.stdout + proc.stderr
        log = (out / "digests" / "sent-log.jsonl").read_text()
        assert "s3cr3t" not in log and "coach:" not in log


def test_plain_errors_without_smtp_or_without_the_rendered_month(out):
    no_smtp = coaching_send(out, None, "--month", "2026-10")
    assert no_smtp.returncode == 1 and no_smtp.stdout == ""
    assert no_smtp.stderr.startswith("Error: mail is not configured: set COACHING_SMTP_URL")
    assert len(no_smtp.stderr.strip().splitlines()) == 1  # one line, no traceback
    assert not (out / "digests" / "sent-log.jsonl").exists()
    dry = coaching_send(out, None, "--month", "2026-10", "--dry-run")  # a dry run needs no server
    assert dry.returncode == 0 and "46 would be sent" in dry.stdout

    with SmtpSink() as smtp:
        missing = coaching_send(out, smtp.url, "--month", "2026-09")
        assert missing.returncode == 1 and smtp.messages == []
        line = missing.stderr.strip()
        assert len(line.splitlines()) == 1
        assert str(out / "digests" / "2026-09") in line and "coaching run" in line
        bad = coaching_send(out, smtp.url, "--month", "2026-13")
        assert bad.returncode == 2 and "'2026-13' is not a month (YYYY-MM)" in bad.stderr


def test_a_received_rep_digest_shows_its_charts_in_chromium(out, sample, tmp_path):
    """The HTML part of a received message, its cid: images saved as files and referenced
    from there, as a mail client does; an inline script added here (the digest has none)
    records whether each image loaded."""
    expected = mailable(out)
    [rep] = [d for d in expected if d["recipient_id"] == sample["rep_id"]]
    with SmtpSink() as smtp:
        assert coaching_send(out, smtp.url, "--month", "2026-10").returncode == 0
        [received] = [r for r in smtp.messages if r.rcpt_tos == [rep["recipient_email"]]]
    msg = received.message
    page = msg.get_body(("html",)).get_content()
    mailbox = tmp_path / "mailbox"
    mailbox.mkdir()
    for part in msg.walk():
        if part.get_content_type() == "image/png":
            cid = part["Content-ID"].strip("<>")
            (mailbox / part.get_filename()).write_bytes(part.get_content())
            assert f'src="cid:{cid}"' in page
            page = page.replace(f'src="cid:{cid}"', f'src="{part.get_filename()}"')
    assert "cid:" not in page
    probe = ("<script>addEventListener('load', () => { document.body.setAttribute('data-images', "
             "JSON.stringify([...document.images].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth, "
             "i.getBoundingClientRect().width]))); });</script>")
    (mailbox / "probe.html").write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
    (mailbox / "digest.html").write_text(page, encoding="utf-8")

    dom = rendered_dom((mailbox / "probe.html").as_uri(), wait_ms=500)
    found = re.search(r'data-images="([^"]*)"', dom)
    assert found, dom[:2000]
    images = json.loads(found.group(1).replace("&quot;", '"'))
    assert [src for src, *_ in images] == ["pattern.png", "activity.png", "skills.png"]
    for src, complete, natural_width, shown_width in images:
        assert complete and natural_width == int(charts.WIDTH_IN * charts.PNG_DPI), src  # loaded: its pixels
        assert 500 <= shown_width <= 538, src  # at the SVG's width in a desktop window
    assert "Your month in brief" in dom and "<script>alert(1)</script>" not in dom

    for path, width, height in ((SCREENSHOTS[0], 1280, 4300), (SCREENSHOTS[1], 390, 7400)):
        shot = screenshot((mailbox / "digest.html").as_uri(), path, width=width, height=height, wait_ms=500)
        assert shot.stat().st_size > 50_000
