"""The email variant of a digest (coaching contract, "Monthly digests": "for email a variant
whose charts are PNG images attached inline (cid:), because the common email clients do not
render SVG"): <base>.eml beside <base>.html and <base>.md, written by render.py.

An .eml is a complete RFC 5322 message but for the headers that belong to a sending (From,
To, Date, Message-ID: digests/delivery.py adds them), so it can be opened in a mail client
as it is, and `coaching send` mails exactly the file the manifest lists and checksums:

    Subject: <settings delivery.subjects[document] with the month's label>
    MIME-Version: 1.0
    X-Coaching-Document: rep_digest | manager_digest | slm_notice
    X-Coaching-Month: YYYY-MM
    multipart/alternative
    ├── text/plain; charset=utf-8      the Markdown document, as it is (quoted-printable)
    └── multipart/related              (just text/html when the document has no chart)
        ├── text/html; charset=utf-8   the same template, CSS inlined, each chart an
        │                              <img src="cid:..."> at the SVG's width (quoted-printable)
        └── image/png                  one per chart shown: Content-ID, inline, a filename (base64)

The plain part comes first: a client shows the last alternative it can render (RFC 2046).

Byte-identical on re-render: nothing random goes in. A Content-ID is the chart's name and
the hash of its PNG; the MIME boundaries derive from the hash of the whole content. They
start with "=_", which neither quoted-printable (it writes "=" as "=3D") nor base64 ever
produces, so a boundary can never occur inside a part. Every part is 7-bit ASCII with
CRLF line ends and lines of at most 78 characters (email.policy.SMTP), as SMTP carries it.
"""

from __future__ import annotations

import email.policy
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

from .charts import Chart

POLICY = email.policy.SMTP
# The right-hand side of every Content-ID: a name, not a host (RFC 2392 asks only that the
# id be unique, and the hash makes it so).
CID_DOMAIN = "coaching-digest"


@dataclass(frozen=True)
class InlineImage:
    """A chart as the email shows it: a PNG part the HTML references by cid. The template's
    chart macro draws an <img> for an object with a `cid`, the inline SVG otherwise."""

    name: str
    cid: str
    alt: str
    png: bytes
    width: int  # CSS px

    @property
    def filename(self) -> str:
        return f"{self.name}.png"


def inline_images(charts: Mapping[str, Chart | None]) -> dict[str, InlineImage | None]:
    """The charts of one document, each as an InlineImage under the same key (None stays
    None: the template shows no chart there)."""
    return {
        name: None if chart is None else InlineImage(
            name=name, cid=f"{name}.{hashlib.sha256(chart.png).hexdigest()[:16]}@{CID_DOMAIN}",
            alt=chart.alt, png=chart.png, width=chart.width)
        for name, chart in charts.items()
    }


def subject(template: str, month_label: str) -> str:
    return template.format(month=month_label)


def message(*, subject: str, document: str, month_key: str, text: str, html: str,
            images: Mapping[str, InlineImage | None]) -> bytes:
    """The .eml of one document: `text` its Markdown, `html` the email HTML (charts as cid:
    images), `images` what inline_images gave the template. Only the images the HTML shows
    are attached (a rep without assessed skills has no skill chart)."""
    shown = [img for img in images.values() if img is not None and f'src="cid:{img.cid}"' in html]
    shown = list({img.cid: img for img in shown}.values())  # the same chart twice: one part
    content = hashlib.sha256()
    for piece in (subject, document, month_key, text, html, *(img.cid for img in shown)):
        content.update(piece.encode("utf-8") + b"\0")
    tag = content.hexdigest()[:32]

    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = subject
    msg["MIME-Version"] = "1.0"
    msg["X-Coaching-Document"] = document
    msg["X-Coaching-Month"] = month_key
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.make_alternative(boundary=f"=_alt_{tag}")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    if shown:
        html_part = msg.get_payload()[1]
        html_part.make_related(boundary=f"=_rel_{tag}")
        for img in shown:
            html_part.add_related(img.png, maintype="image", subtype="png", cid=f"<{img.cid}>",
                                  disposition="inline", filename=img.filename)
    return msg.as_bytes(policy=POLICY)
