"""Digests fed hostile data (issue 14, points 1 and 7): ids and names that try to leave the
output folder, names carrying bidi overrides and NULs, and an AI narrative whose figures
disagree with the metrics it was given. The sample, its render helpers and the local
Messages API server are conftest.py's and october.py's."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup

from coaching_pipeline.db import open_warehouse
from coaching_pipeline.digests import narrative
from coaching_pipeline.digests.figures import figures_in, unsupported_figures
from coaching_pipeline.digests.render import html_finalize, md_escape
from coaching_pipeline.people_text import clean
from coaching_pipeline.safe_paths import path_inside, safe_id, safe_slug

from . import october
from .october import AI_ENV, ai_env, document_text, manifest, render, rep_sources

pytestmark = pytest.mark.xdist_group("sample")


# deep enough that, glued to "rep/<name>-" as the digests once did, it climbs out of the
# month's folder, digests/ and the output folder itself
HOSTILE_ID = "../../../../../../evil"
HOSTILE_NAME = "Mallory ../../Evil"
BOSS_NAME = "Ops/../../Boss"
BIDI_NAME = "Sam \u202eEvil\x00 Jones"


# --------------------------------------------------------------------------------------
# safe_paths


def _old_slug(text):  # the digests' slug before safe_paths, kept as the oracle for names
    s = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    return s[:40] or "unnamed"


def test_safe_slug():
    assert safe_slug("../../etc/x") == "etc-x"
    assert safe_slug("Ana María Ruiz") == "ana-mar-a-ruiz"
    assert safe_slug("005000000000000AAA") == "005000000000000aaa"  # a slug is lowercase: ids use safe_id
    assert safe_slug(".hidden") == "hidden"
    assert safe_slug("X" * 50) == "x" * 40
    # nothing ASCII left: 8 hex digits of the text's SHA-256, never empty
    assert safe_slug("...") == "ab5df625" == hashlib.sha256(b"...").hexdigest()[:8]
    assert safe_slug("") == "e3b0c442"
    for name in ("Sharon Davis", "O'Brien, Seán", "  Mary-Jane  Watson-Parker ", "Zoë D'Arcy-Ng", "Ünal  Öz",
                 "A" * 45 + " B", "Dr. J. R. R. Tolkien III"):
        assert safe_slug(name) == _old_slug(name), name  # the file names of existing digests do not change


def test_safe_id():
    assert safe_id("005000000000000AAA") == "005000000000000AAA"  # 18-character Salesforce id, as delivered
    assert safe_id("0058d0000FDt9VB") == "0058d0000FDt9VB"  # 15 characters: case matters, kept
    assert safe_id("7100000000000176000") == "7100000000000176000"  # Gong user id
    assert safe_id(HOSTILE_ID) == "evil-c6a99028"
    assert safe_id("a/b") == "a-b-c14cddc0" != safe_id("a-b") == "a-b"  # slugged alike, still two files
    assert safe_id("") == "e3b0c442-e3b0c442"


def test_path_inside(tmp_path):
    assert path_inside(tmp_path, "rep/a-1.html") == tmp_path.resolve() / "rep" / "a-1.html"
    for escaping in ("../x.html", "rep/../../x.html", "/etc/passwd", ""):
        with pytest.raises(ValueError, match="outside") as e:
            path_inside(tmp_path, escaping)
        assert repr(escaping) in str(e.value) and str(tmp_path.resolve()) in str(e.value)
    (tmp_path / "rep").symlink_to(tmp_path.parent)  # a link planted inside leads out
    with pytest.raises(ValueError, match="outside"):
        path_inside(tmp_path, "rep/x.html")


# --------------------------------------------------------------------------------------
# people_text and the templates' finalize


def test_clean_removes_control_and_bidi_characters():
    assert clean("Sam \u202eEvil\x00 Jones") == "Sam Evil Jones"
    assert clean("a\u061cb\u200ec\u200fd\u202ae\u202bf\u202cg\u202dh\u2066i\u2067j\u2068k\u2069l") == "abcdefghijkl"
    assert clean("bell\x07 esc\x1b[31m del\x7f c1\x85\x9b cr\r") == "bell esc[31m del c1 cr"
    assert clean("tab\tand\nnewline stay, as do é, 李, \u200d and \u200b") == "tab\tand\nnewline stay, as do é, 李, \u200d and \u200b"
    assert clean(None) is None


def test_the_templates_finalize_cleans_values_and_leaves_markup_alone():
    svg = Markup('<svg><text x="1">Top 25%</text></svg>')
    assert html_finalize(svg) is svg
    assert html_finalize("<b>\u202e</b>\x00") == "<b></b>"  # escaped afterwards by autoescape
    env = jinja2.Environment(autoescape=True, finalize=html_finalize)
    page = env.from_string("{{ name }}|{{ chart }}|{{ n }}").render(name="<i>Sam\u202e</i>", chart=svg, n=3)
    assert page == '&lt;i&gt;Sam&lt;/i&gt;|<svg><text x="1">Top 25%</text></svg>|3'  # escaped once, chart intact
    assert md_escape("a\u202e*b\x00 <c> & 50%") == "a\\*b \\<c\\> \\& 50%"
    assert md_escape("one\r\ntwo\rthree") == "one two three"  # a CR still breaks a line


def test_the_ai_narrative_is_cleaned_before_it_is_checked():
    answer = {"strengths": ["You lead on disc\u202eovery\x00."], "improvement": ["x" * 8], "this_week": ["y" * 8]}
    assert narrative.cleaned(answer)["strengths"] == ["You lead on discovery."]
    assert narrative.cleaned({"strengths": "not a list"}) == {"strengths": "not a list"}  # left to validate()


# --------------------------------------------------------------------------------------
# figures of the AI narrative

FACTS = {
    "month": "October 2026",
    "quarter": {"name": "2026-Q4", "share_elapsed": 0.436},
    "performance_vs_benchmarks": [
        {"metric": "Win rate", "you": "43%", "team_average": "31%", "top_25_percent_average": "50%"},
        {"metric": "Average won deal", "you": "32k", "team_average": "1.25M", "top_25_percent_average": "9,500"},
    ],
    "calls_this_month": {"external_calls": 3, "talk_ratio": {"value": "57%", "target": "40-50%"},
                         "longest_monologue": {"value": "149 s", "target": "at most 150 s"}},
    "skills": [{"skill": "Discovery", "score": "78", "change_since_last_month": "-9"}],
    "next_best_actions": [{"reason": "Qualify: MEDDPICC 0/8 complete", "deal_amount": "50k",
                           "close_date": "6 Dec 2026"}],
}
FAITHFUL = [
    "Your win rate is 43%, ahead of the team's 31%, with 44% of 2026-Q4 gone.",
    "Your 32k average won deal ($32,000) trails the team's $1.3M; the Top 25% average 9,500.",
    "Bring your talk ratio from 57% into the 40-50% band (40 to 50 percent) on your next 3 calls.",
    "Discovery is at 78, down 9 points; keep monologues under 150 s (your longest: 149s).",
    "Complete MEDDPICC (0/8) on the $50,000 deal closing 6 Dec 2026; book two calls, one 1:1.",
]


def test_figures_are_read_as_written():
    assert [(f.text, str(f.value), str(f.step)) for f in figures_in("43.5% of $50,000 (50k, 1.25M), 40-50%, 6th")] == [
        ("43.5%", "0.435", "0.001"), ("$50,000", "50000", "1"), ("50k", "5.0E+4", "1E+3"),
        ("1.25M", "1.25E+6", "1E+4"), ("40", "0.40", "0.01"), ("50%", "0.50", "0.01"), ("6th", "6", "1"),
    ]
    assert figures_in("Q4, B2B, AI-7f3a, two calls, one to three actions") == []  # ids and words are not numbers


def test_a_faithful_narrative_passes_the_figures_check():
    assert unsupported_figures(FAITHFUL, FACTS, also=narrative.SYSTEM_PROMPT) == []
    answer = {"strengths": FAITHFUL[:2], "improvement": FAITHFUL[2:4], "this_week": FAITHFUL[4:]}
    assert narrative.check_figures(answer, FACTS) is answer


def test_a_narrative_with_a_wrong_figure_is_rejected():
    wrong = ["Your win rate is 48%, ahead of the team's 31%.", "Your average won deal is $32,400.",
             "Discovery is at 78, 26 points below where it should be.", "Talk less: 45.5% of the call at most."]
    assert unsupported_figures(wrong, FACTS, also=narrative.SYSTEM_PROMPT) == ["48%", "$32,400", "26", "45.5%"]
    assert unsupported_figures(["A score of 78%."], FACTS) == ["78%"]  # a score is not a percentage
    answer = {"strengths": ["Your win rate is 48%, well done."], "improvement": ["x" * 8], "this_week": ["y" * 8]}
    with pytest.raises(narrative.FiguresMismatch, match="figures not in the metrics: 48%"):
        narrative.check_figures(answer, FACTS)


# --------------------------------------------------------------------------------------
# full renders


def _tree(root: Path, skip: tuple[Path, ...]) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not any(p.is_relative_to(s) for s in skip)}


@pytest.fixture(scope="module")
def hostile(sample, tmp_path_factory):
    """The sample with a seller whose id climbs out of the folder, their manager named with
    slashes and another seller named with U+202E and a NUL, rendered once."""
    root = tmp_path_factory.mktemp("hostile")
    warehouse = root / "warehouse" / "coaching.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(sample["warehouse"], warehouse)
    con = open_warehouse(warehouse)
    try:
        like, manager_id = con.execute(
            "select user_id, manager_id from intermediate.int_users where is_seller order by user_id limit 1").fetchone()
        con.execute("""
            insert into intermediate.int_users (user_id, user_name, email_lower, is_active, role, is_seller,
                                                manager_id, manager_name, slm_id, slm_name, team_id)
            select ?, ?, 'mallory@vendorco.example', true, role, true, manager_id, manager_name, slm_id, slm_name,
                   team_id
            from intermediate.int_users where user_id = ?""", [HOSTILE_ID, HOSTILE_NAME, like])
        con.execute("update intermediate.int_users set user_name = ? where user_id = ?", [BIDI_NAME, like])
        con.execute("update intermediate.int_users set user_name = ? where user_id = ?", [BOSS_NAME, manager_id])
        con.execute("update intermediate.int_users set manager_name = ? where manager_id = ?", [BOSS_NAME, manager_id])
    finally:
        con.close()
    (root / "keep.txt").write_text("untouched\n")
    out = root / "out"
    before = _tree(root, (out, warehouse.parent))
    with pytest.MonkeyPatch.context() as mp:
        for name in AI_ENV:
            mp.delenv(name, raising=False)
        folder, _ = render(warehouse, out)
    return {"root": root, "out": out, "folder": folder, "before": before, "warehouse": warehouse,
            "bidi_id": like, "manager_id": manager_id}


def test_an_id_with_dot_dot_slash_writes_inside_the_month_folder(hostile):
    root, out, folder = hostile["root"], hostile["out"], hostile["folder"]
    # the path the digests used to build would have left the output folder
    assert not (folder / f"rep/mallory-evil-{HOSTILE_ID}.html").resolve().is_relative_to(out)
    m = manifest(folder)
    written = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert written == {d["path"] for d in m["documents"]} | {"manifest.json", "render.json"}
    for p in folder.rglob("*"):
        assert p.resolve().is_relative_to(folder.resolve()), p
    mallory = sorted(d["path"] for d in m["documents"] if d["recipient_id"] == HOSTILE_ID)
    assert mallory == [f"rep/mallory-evil-evil-c6a99028.{ext}" for ext in ("eml", "html", "md")]
    boss = sorted(d["path"] for d in m["documents"] if d["recipient_id"] == hostile["manager_id"])
    assert boss == [f"manager/ops-boss-{hostile['manager_id']}.{ext}" for ext in ("eml", "html", "md")]
    assert [str(p.relative_to(out)) for p in out.iterdir()] == ["digests"]
    assert sorted(p.name for p in (out / "digests").iterdir()) == ["2026-10"]  # no leftover tmp folder
    assert _tree(root, (out, hostile["warehouse"].parent)) == hostile["before"]  # nothing outside changed


def test_a_name_with_bidi_and_nul_characters_reaches_no_digest(hostile):
    folder = hostile["folder"]
    m = manifest(folder)
    [eml_path, html_path, md_path] = sorted(d["path"] for d in m["documents"] if d["recipient_id"] == hostile["bidi_id"])
    assert html_path == f"rep/sam-evil-jones-{hostile['bidi_id']}.html"
    assert "Sam Evil Jones" in document_text(folder / eml_path)
    page, markdown = (folder / html_path).read_text(), (folder / md_path).read_text()
    assert "Sam Evil Jones" in page and "Sam Evil Jones" in markdown
    for p in folder.rglob("*"):
        if p.is_file():
            text = document_text(p)  # an .eml decoded: its parts are quoted-printable
            assert "\u202e" not in text and "\x00" not in text, p
    assert {d["recipient_name"] for d in m["documents"] if d["recipient_id"] == hostile["bidi_id"]} == {
        "Sam Evil Jones"}


WRONG_ANSWER = {
    "strengths": ["Your win rate of 93.7% leads the whole team."],
    "improvement": ["Qualification is the gap to close: fill in MEDDPICC on every open deal."],
    "this_week": ["Book the economic buyer meeting on your largest open deal."],
}


def test_an_ai_narrative_with_a_wrong_figure_falls_back_to_the_template(sample, api, tmp_path, monkeypatch):
    assert unsupported_figures(WRONG_ANSWER["strengths"], {}) == ["93.7%"]
    monkeypatch.setattr(october, "VALID_ANSWER", WRONG_ANSWER)  # what the local server answers
    ai_env(monkeypatch, api, "test-model-wrong-figure")
    folder, metadata = render(sample["warehouse"], tmp_path)
    assert len(api.requests) == 40
    assert rep_sources(folder) == {"template"}
    assert metadata["narrative_fallback_reasons"] == {"figures_mismatch": 40}
    assert "93.7%" not in (folder / next(d["path"] for d in manifest(folder)["documents"]
                                         if d["recipient_id"] == sample["rep_id"])).read_text()
    con = open_warehouse(sample["warehouse"], read_only=True)
    cached = con.execute("select count(*) from coaching.llm_cache where model = 'test-model-wrong-figure'").fetchone()
    con.close()
    assert cached[0] == 0  # a rejected answer is never cached
