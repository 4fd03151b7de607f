"""Rendering a month's digests: Jinja2 templates to self-contained HTML (CSS inlined into
style attributes, charts as inline SVG), Markdown, and the email variant of both (.eml:
charts as inline PNG parts, digests/email.py), written to <output>/digests/YYYY-MM/ with a
manifest.

Layout of a month's folder (replaced as a whole, atomically, at each render, so a document
of a seller who left never lingers and a reader never sees half a render):

    manifest.json      one entry per file: path, document, format (html, md, eml),
                       recipient, role, sha256, bytes, narrative source; no timestamp
                       (identical on re-render)
    render.json        the sidecar of this render: rendered_at (UTC), duration, narrative
                       usage (API requests, cache hits, tokens, fallbacks); changes every run
    rep/<name>-<user id>.html|.md|.eml
    manager/<name>-<user id>.html|.md|.eml
    slm/<name>-<user id>.html|.md|.eml

<name> is the person's name slugged, <user id> the id as delivered when it is a plain one,
else slugged and hashed (coaching_pipeline.safe_paths); every path is checked to resolve
inside the month's folder before anything is written.

Every other byte depends only on the warehouse's content, so re-rendering the same month
on the same data gives byte-identical documents and manifest. The sent log of
`coaching send` (digests/delivery.py) lives beside the month folders, not in one, since a
render replaces the folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import css_inline
import duckdb
import jinja2

from ..config import PACKAGE_DIR, Settings, settings
from ..people_text import clean, md_escape
from ..safe_paths import path_inside, safe_id, safe_slug
from . import charts, defaults
from . import email as email_variant
from .documents import ManagerDigest, MonthContent, gather
from .formatting import Month, day_text
from .links import workbench_links
from .narrative import NarrativeConfig, NarrativeStats, Narrator
from .rep_digest import RepDigest

TEMPLATES_DIR = PACKAGE_DIR / "templates"
MANIFEST = "manifest.json"
SIDECAR = "render.json"
ROLE_NAMES = {"AE": "Account Executive", "AM": "Account Manager", "CSM": "Customer Success Manager",
              "SDR": "Sales Development Rep"}

# --------------------------------------------------------------------------------------
# Markdown escaping: every value printed by a Markdown template goes through md_escape (the
# environment's finalize), so CRM and call text can neither inject markup nor raw HTML, nor
# carry control or bidi characters (people_text.md_escape).


def html_finalize(value):
    """The HTML environment's finalize: a printed value without control or bidi characters.
    Markup (inline SVG charts, `|safe`, `|join` of escaped items) is returned as it is:
    it is trusted or already escaped, and a str made of it would be escaped a second time."""
    if hasattr(value, "__html__"):
        return value
    return clean(str(value))


def _kind(line: str) -> str:
    if line.startswith("|"):
        return "table"
    if line.startswith("#"):
        return "heading"
    if re.match(r"(- |\d+\. )", line):
        return "list"
    return "text"


def tidy_markdown(text: str) -> str:
    """Blank lines where Markdown needs them (around headings, between a paragraph, a list
    and a table), never more than one."""
    out: list[str] = []
    for line in (raw.rstrip() for raw in text.split("\n")):
        if line and out and out[-1] and (_kind(line) != _kind(out[-1]) or "heading" in (_kind(line), _kind(out[-1]))):
            out.append("")
        out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"


def _environments() -> tuple[jinja2.Environment, jinja2.Environment]:
    common = dict(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), trim_blocks=True, lstrip_blocks=True,
                  keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    html = jinja2.Environment(autoescape=True, finalize=html_finalize, **common)
    md = jinja2.Environment(autoescape=False, finalize=md_escape, **common)
    return html, md


_INLINER = css_inline.CSSInliner(keep_style_tags=False, keep_at_rules=True, load_remote_stylesheets=False)


def _html(env: jinja2.Environment, template: str, **context) -> str:
    text = env.get_template(template).render(**context)
    return _INLINER.inline(text)


# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    path: str
    document: str
    format: str
    recipient_id: str
    recipient_name: str
    recipient_email: str | None
    role: str
    sha256: str
    bytes: int
    narrative: str | None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class RenderResult:
    month: Month
    directory: Path
    documents: list[Document]
    narrative: NarrativeStats
    seconds: float

    def count(self, role: str) -> int:
        """Documents of `role` (counted by their HTML file; each also has .md and .eml)."""
        return sum(1 for d in self.documents if d.role == role and d.format == "html")


def _rep_charts(d: RepDigest) -> dict:
    pattern = charts.pattern_vs_top(tuple(
        charts.PatternMetric(p["label"], p["you"], p["top"], p["unit"], p["lower_is_better"]) for p in d.pattern
    )) if d.pattern else None
    # no activity data in the org: the template says so instead of drawing an empty chart
    activity = None if d.activity["missing"] else charts.activity_trend(
        tuple(d.activity["days"]), d.activity["threshold"], d.activity["top_daily"])
    skills = charts.skill_profile(tuple(
        charts.SkillBar(r["label"], r["score"], r["level"] if r["score"] is not None else None, r["previous"])
        for r in d.skills["rows"]
    ))
    return {"pattern": pattern, "activity": activity, "skills": skills}


_LEVELS = (*charts.LEVEL_COLORS, "no data")


def _manager_charts(d: ManagerDigest) -> dict:
    rows = tuple((label, tuple((lv, counts.get(lv, 0)) for lv in _LEVELS)) for label, counts in d.team["distribution"])
    return {"team": charts.team_distribution(rows, d.team["size"]),
            "attainment": charts.attainment_distribution(tuple(d.team["attainment_buckets"]))}


def _legends() -> dict:
    levels = [(color, name, "box") for name, color in charts.LEVEL_COLORS.items()]
    return {
        "pattern": [(charts.YOU, "You", "box"), (charts.TOP, "Top 25% of your role", "box")],
        "activity": [(charts.OK, "Activities", "box"), (charts.LOW, "Low day", "box"),
                     (charts.LOW, "Low-day threshold", "dash"), (charts.TOP, "Top 25% daily average", "dot")],
        "skills": [*levels, ("#0f172a", "Last month", "tick")],
        "team": [*levels, (charts.NO_DATA, "No data", "box")],
    }


class _Writer:
    def __init__(self, root: Path):
        self.root = root
        self.documents: list[Document] = []

    def write(self, rel: str, text: str | bytes, *, document: str, person: dict, role: str,
              narrative: str | None) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        path = path_inside(self.root, rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.documents.append(Document(
            path=rel, document=document, format=rel.rsplit(".", 1)[-1], recipient_id=person["id"],
            recipient_name=clean(person["name"]), recipient_email=person.get("email"), role=role,
            sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), narrative=narrative,
        ))


def _base(folder: str, person: dict) -> str:
    """A document's path without its extension: both parts come from the CRM."""
    return f"{folder}/{safe_slug(person['name'])}-{safe_id(person['id'])}"


def _replace_dir(tmp: Path, final: Path) -> None:
    old = final.parent / f".{final.name}.old-{os.getpid()}"
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    if old.exists():
        shutil.rmtree(old)


def render_month(con: duckdb.DuckDBPyConnection, month: Month, output_dir: str | os.PathLike, *,
                 narrative: NarrativeConfig | None = None, config: Settings | None = None,
                 content: MonthContent | None = None) -> RenderResult:
    """Render every digest of `month` into <output_dir>/digests/YYYY-MM/ and return what
    was written. `con` must be writable when the AI narrative is on (its cache)."""
    started = time.perf_counter()
    rendered_at = dt.datetime.now(dt.UTC)
    links = workbench_links()  # a bad COACHING_APP_URL fails here, before anything is written
    content = content or gather(con, month, config)
    html_env, md_env = _environments()
    final = Path(output_dir) / "digests" / month.key
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{month.key}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    writer = _Writer(tmp)
    narrator = Narrator(con, narrative)
    subjects = (config or settings()).delivery.subjects

    def emit(base: str, kind: str, ctx: dict, figures: dict, **meta) -> None:
        """One document's three files. The email HTML is the same template rendered again
        with the charts as cid: images; the PNGs were drawn with the SVGs (charts.py)."""
        html_text = _html(html_env, f"{kind}.html.j2", charts=figures, **ctx)
        md_text = tidy_markdown(md_env.get_template(f"{kind}.md.j2").render(**ctx))
        images = email_variant.inline_images(figures)
        mail_html = _html(html_env, f"{kind}.html.j2", charts=images, **ctx) if figures else html_text
        eml = email_variant.message(subject=email_variant.subject(subjects[meta["document"]], month.label),
                                    document=meta["document"], month_key=month.key, text=md_text,
                                    html=mail_html, images=images)
        for ext, data in ((".html", html_text), (".md", md_text), (".eml", eml)):
            writer.write(base + ext, data, **meta)

    common = {"as_of_text": day_text(content.as_of), "currency": content.currency, "strength_min": f"{defaults.STRENGTH_MIN_SCORE:g}",
              "legends": _legends(), "links": links}
    try:
        for d in content.reps:
            n = narrator.narrative(d)
            ctx = {**common, "d": d, "n": n, "role_name": ROLE_NAMES.get(d.rep["role"], d.rep["role"] or "Seller")}
            emit(_base("rep", d.rep), "rep", ctx, _rep_charts(d), document="rep_digest", person=d.rep, role="rep",
                 narrative=n.source)
        for d in content.managers:
            emit(_base("manager", d.manager), "manager", {**common, "d": d}, _manager_charts(d),
                 document="manager_digest", person=d.manager, role="manager", narrative=None)
        for d in content.slms:
            emit(_base("slm", d.slm), "slm", {**common, "d": d}, {},
                 document="slm_notice", person=d.slm, role="slm", narrative=None)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        narrator.close()

    documents = sorted(writer.documents, key=lambda x: x.path)
    manifest = {
        "month": month.key,
        "period": {"start": month.start.isoformat(), "end": month.end.isoformat()},
        "data_as_of": content.as_of.isoformat(),
        "documents": [x.as_dict() for x in documents],
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _replace_dir(tmp, final)
    seconds = time.perf_counter() - started
    sidecar = {
        "month": month.key,
        "rendered_at": rendered_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round(seconds, 3),
        "documents": len(documents),
        "narrative": narrator.stats.as_dict(),
    }
    (final / SIDECAR).write_text(json.dumps(sidecar, indent=2) + "\n", encoding="utf-8")
    return RenderResult(month=month, directory=final, documents=documents, narrative=narrator.stats, seconds=seconds)
