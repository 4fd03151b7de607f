"""Monthly digests on the October sample (conftest.py: three weekly coaching runs, 28 Sep -
12 Oct 2026, so October has assessments, events and escalations; one event approved, one
dismissed, one modified, and CRM / call text replaced by markup), rendered without an API
key: what they contain, that markup is escaped, that a re-render is byte-identical, and how
the rep digest looks in Chromium."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re

import pytest
from markdown_it import MarkdownIt
from markupsafe import escape

from coaching_pipeline.assets.digests import MONTHLY_PARTITIONS
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.digests import charts

from ..browser import rendered_dom, screenshot
from .october import (
    AI_ENV,
    ARTIFACTS,
    MODIFIED_ACTION,
    document_text,
    files,
    manifest,
    render,
    rep_doc,
)

# Modules on the shared S sample run in one worker, so it is built once.
pytestmark = pytest.mark.xdist_group("sample")


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
        and status = 'open' and opened_on <= '2026-10-31' and not coalesce(queued, false)""",
        [sample["manager_id"]]).fetchall()}
    queued = con.execute("""select count(*) from coaching.coaching_log where manager_id = ? and status = 'open'
        and approval_status = 'pending_approval' and queued""", [sample["manager_id"]]).fetchone()[0]
    flags = [r[0] for r in con.execute(
        "select detail from coaching.daily_flags where manager_id = ? and flag_date = '2026-10-20'",
        [sample["manager_id"]]).fetchall()]
    slm_escalations = con.execute("""
        select slm_id, count(*) from coaching.escalations where escalated_to in ('slm', 'manager_and_slm')
        and escalation_date between '2026-10-01' and '2026-10-31' group by 1""").fetchall()
    con.close()
    assert pending and all(p in manager for p in pending)
    # a queued recommendation is not offered for a decision: the digest counts it instead
    assert queued and f"{queued} more recommendation{'s' if queued != 1 else ''} queued" in manager
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
        where rep_id = ? and approval_status = 'pending_approval'""", [sample["pending_rep"]]).fetchall()]
    con.close()
    text = html.unescape(rep_doc(folder, sample["pending_rep"]))
    assert pending and not any(p in text for p in pending)


def test_the_waiting_list_in_markdown_is_one_item_per_recommendation_with_its_examples(sample):
    folder = sample["folder"]
    examples = []
    for entry in manifest(folder)["documents"]:
        if entry["role"] != "manager" or not entry["path"].endswith(".md"):
            continue
        section = document_text(folder / entry["path"]).split("## Recommendations waiting for your approval")[1]
        section = section.split("\n## ")[0]
        listed = [t for t in MarkdownIt("commonmark").parse(section) if t.type == "list_item_open"]
        # each recommendation (its id in backticks) is an item of its own, its examples inside it
        assert len(listed) == section.count("(`C"), entry["path"]
        examples += re.findall(r"Examples: (.*)", section)
    assert any(re.search(r"\[[^\]]+\]\(<https://app\.gong\.io/call\?id=\d+>\)", e) for e in examples)


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
            for form in (name, html.escape(name)):  # as a name, not inside another ('Laura Rossi')
                assert not re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text), (entry["path"], name)


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
