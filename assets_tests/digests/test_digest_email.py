"""The email variant of the digests (coaching contract, "Monthly digests": "for email a
variant whose charts are PNG images attached inline (cid:)"): one .eml per document beside
its .html and .md, on the October sample (conftest.py). Its byte-identity on re-render is
test_digests' (every file of the month, the .eml included, with every chart redrawn)."""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from coaching_pipeline.config import settings
from coaching_pipeline.digests import charts

from .october import manifest

pytestmark = pytest.mark.xdist_group("sample")


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHART_WIDTH_PX = int(charts.WIDTH_IN * charts.PNG_DPI)  # 806: Agg truncates 5.6 in x 144 dpi
CSS_WIDTH = round(charts.WIDTH_IN * 96)  # 538 px, the SVG's max-width in the HTML


def parse(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def structure(part) -> object:
    """The MIME tree as nested content types."""
    if part.is_multipart():
        return [part.get_content_type(), [structure(p) for p in part.iter_parts()]]
    return part.get_content_type()


def text(part) -> str:
    return part.get_content().replace("\r\n", "\n")


def emails(folder: Path) -> list[dict]:
    return [d for d in manifest(folder)["documents"] if d["format"] == "eml"]


def test_each_document_has_an_email_variant_listed_in_the_manifest(sample):
    folder = sample["folder"]
    docs = manifest(folder)["documents"]
    by_base = {}
    for d in docs:
        by_base.setdefault(d["path"].rsplit(".", 1)[0], {})[d["format"]] = d
    assert len(by_base) == 47
    for base, formats in by_base.items():
        assert formats.keys() == {"html", "md", "eml"}, base
        meta = {k: v for k, v in formats["eml"].items() if k not in ("path", "format", "sha256", "bytes")}
        assert meta == {k: v for k, v in formats["html"].items() if k not in ("path", "format", "sha256", "bytes")}
        data = (folder / formats["eml"]["path"]).read_bytes()
        assert formats["eml"]["sha256"] == hashlib.sha256(data).hexdigest()


def test_every_eml_is_a_complete_message_but_for_the_sending_headers(sample):
    folder = sample["folder"]
    subjects = settings().delivery.subjects
    for entry in emails(folder):
        path = folder / entry["path"]
        data = path.read_bytes()
        # as SMTP carries it: 7-bit, CRLF line ends, no line over 78 characters
        assert data.isascii() and b"\n" not in data.replace(b"\r\n", b"")
        assert max(len(line) for line in data.split(b"\r\n")) <= 78
        msg = parse(path)
        assert msg["Subject"] == subjects[entry["document"]].format(month="October 2026")
        assert msg["MIME-Version"] == "1.0"
        assert msg["X-Coaching-Document"] == entry["document"]
        assert msg["X-Coaching-Month"] == "2026-10"
        for header in ("From", "To", "Cc", "Bcc", "Date", "Message-ID"):
            assert header not in msg, (path, header)  # added when it is sent

        plain, related = msg.get_payload()
        assert plain.get_content_type() == "text/plain" and plain.get_content_charset() == "utf-8"
        assert text(plain) == path.with_suffix(".md").read_text(encoding="utf-8")  # the Markdown, as it is
        html_part = related.get_payload()[0] if related.is_multipart() else related
        assert html_part.get_content_type() == "text/html" and html_part.get_content_charset() == "utf-8"
        page = text(html_part)
        images = related.get_payload()[1:] if related.is_multipart() else []
        if entry["role"] == "slm":  # no chart: the HTML alone
            assert structure(msg) == ["multipart/alternative", ["text/plain", "text/html"]]
        else:
            assert structure(msg) == ["multipart/alternative", ["text/plain", [
                "multipart/related", ["text/html", *["image/png"] * len(images)]]]]
        # every cid of the HTML has its PNG part, every PNG part is shown
        cids = re.findall(r'<img src="cid:([^"]+)"', page)
        assert len(cids) == len(set(cids)) == len(images)
        assert {img["Content-ID"] for img in images} == {f"<{c}>" for c in cids}
        for img in images:
            assert img.get_content_disposition() == "inline"
            assert img.get_filename().endswith(".png") and img["Content-Transfer-Encoding"] == "base64"
        # the HTML is the document's own, CSS inlined, with each SVG chart an <img>
        assert "<svg" not in page and "<script" not in page and 'style="' in page
        svg_free = re.sub(r"<svg\b.*?</svg>", "CHART", path.with_suffix(".html").read_text(encoding="utf-8"), flags=re.S)
        assert re.sub(r'<img src="cid:[^"]*"[^>]*>', "CHART", page).rstrip("\n") == svg_free.rstrip("\n")


def test_the_rep_email_shows_its_three_charts_as_sharp_pngs(sample):
    folder = sample["folder"]
    [entry] = [d for d in emails(folder) if d["recipient_id"] == sample["rep_id"]]
    msg = parse(folder / entry["path"])
    page = text(next(p for p in msg.walk() if p.get_content_type() == "text/html"))
    tags = re.findall(r"<img [^>]*>", page)
    assert len(tags) == 3
    for tag in tags:
        assert f'width="{CSS_WIDTH}"' in tag
        assert f"display:block;width:100%;max-width:{CSS_WIDTH}px;height:auto" in tag
    assert 'alt="Your deal pattern vs the Top 25%.' in page and 'alt="Skill profile: ' in page
    names = [p.get_filename() for p in msg.walk() if p.get_content_type() == "image/png"]
    assert names == ["pattern.png", "activity.png", "skills.png"]  # in the order the digest shows them


def test_every_png_is_a_valid_image_of_the_charts_size(sample):
    folder = sample["folder"]
    seen = 0
    for entry in emails(folder):
        for part in parse(folder / entry["path"]).walk():
            if part.get_content_type() != "image/png":
                continue
            data = part.get_content()
            assert data.startswith(PNG_SIGNATURE)
            assert b"Software" not in data and b"matplotlib" not in data  # no version text: deterministic
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                width, height = image.size
                assert image.getpixel((0, 0))[:3] == (255, 255, 255)  # opaque white background
            assert width == CHART_WIDTH_PX, (entry["path"], part.get_filename())
            expected_height = {"activity.png": int(2.5 * charts.PNG_DPI),  # the figures' fixed heights
                               "attainment.png": int(2.1 * charts.PNG_DPI)}.get(part.get_filename())
            assert height == expected_height if expected_height else 200 < height < 2000
            seen += 1
    # rep: activity always, pattern and skills when there are figures; manager: team and attainment
    assert seen >= 40 + 2 * 5
