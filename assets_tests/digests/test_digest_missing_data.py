"""Not delivered is not zero (issue 19, point 5) in the digests: the June 2025 rep digest of
the hand-written orgs of assets_tests/dbt/crm_only_org.py (landing zone -> dbt -> the weekly
coaching of 2025-06-30 -> render, no API key). Where the org never delivered a source the
digest says which data is missing, never 0, 0% or a perfect score; where it did, the same
seller's true zeros print as zeros. And a strength, or the strongest skill, is never a skill
with a gap or at Critical.

Before the fix the CRM-only digest printed 'Stakeholders per deal 0.0', 'Champion
identified 0%', Closing 86 (Proficient: a close-date-kept rate of 1.0 without any field
history), 'No external call recorded' and listed O1, O2, O3 all as MEDDPICC tasks."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from coaching_pipeline.coaching.components import SKILL_LABELS
from coaching_pipeline.coaching.scoring import may_be_strength
from coaching_pipeline.config import load_settings
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.digests import Month, render_month
from coaching_pipeline.digests.formatting import Trend
from coaching_pipeline.digests.narrative import NarrativeConfig, template_narrative
from coaching_pipeline.digests.rep_digest import RepDigest, _strengths

from ..dbt.crm_only_org import A1, WEEK
from ..warehouse import query
from .october import AI_ENV, rep_doc, run_weeks

# The orgs are built once per session for this module and test_sources_not_delivered: one worker.
pytestmark = pytest.mark.xdist_group("not_delivered")

JUNE = Month.of("2025-06")
CFG = load_settings().coaching


@pytest.fixture(scope="module")
def digests(not_delivered_orgs, tmp_path_factory):
    """shape -> the June folder of its digests (a copy of the built org, coached and rendered)."""
    folders = {}
    with pytest.MonkeyPatch.context() as mp:
        for name in AI_ENV:
            mp.delenv(name, raising=False)
        for shape, built in not_delivered_orgs.items():
            root = tmp_path_factory.mktemp(f"missing_data_{shape}")
            warehouse = root / "warehouse" / "warehouse.duckdb"
            warehouse.parent.mkdir()
            shutil.copy(built, warehouse)
            run_weeks(warehouse, [WEEK])
            con = open_warehouse(warehouse)
            try:
                render_month(con, JUNE, root / "out", narrative=NarrativeConfig(api_key=None))
            finally:
                con.close()
            folders[shape] = (root / "out" / "digests" / JUNE.key, warehouse)
    return folders


def md(digests, shape: str) -> str:
    return rep_doc(digests[shape][0], A1, "md")


def test_the_crm_only_digest_says_which_data_is_missing(digests):
    text = md(digests, "crm_only")
    for line in [
        "| Stakeholders per deal | **no contact roles in the CRM data** | n/a | n/a |  not measured |",
        "| Champion identified | **no MEDDPICC fields or contact roles in the CRM data** | n/a | n/a |  not measured |",
        "| Economic buyer identified | **no MEDDPICC fields or contact roles in the CRM data** | n/a | n/a "
        "|  not measured |",
        # Tasks and Events are there: one call in the 15 business days from A1's first activity
        "| Daily activities (30 days) | **0.1** | n/a | n/a |  no earlier value |",
        "| Discovery | **n/a** | not measured: no Gong calls in the data |   | n/a |",
        "| Presentation | **n/a** | not measured: no Gong calls in the data |   | n/a |",
        "| Objection handling | **n/a** | not measured: no Gong calls in the data |   | n/a |",
        # no late-stage history, one won deal: too little evidence, the source is there
        "| Negotiation | **n/a** | insufficient data |   | n/a |",
        # the win rate alone (1 of 4 -> 71.4), not the mean with a kept rate of 1.0 (85.7)
        "| Closing | **71** | Developing | ▶ stable | n/a |",
        "Not measured, no MEDDPICC fields in the CRM data: MEDDPICC completeness of open deals (Qualification).",
        "Not measured, no MEDDPICC fields or contact roles in the CRM data: champion and economic-buyer "
        "identification (Qualification).",
        "Not measured, no close-date history (OpportunityFieldHistory) in the CRM data: deals closing on their "
        "first close date (Closing).",
        "Not measured: no Gong calls in the data.",
        # the open deals are no longer all MEDDPICC tasks: O1 (97, green) needs nothing
        "1. **Task**: Update the close date or close the deal: close date passed 10 days ago. Deal Acme O2 (Acme), "
        "30k, closes 20 Jun 2025, health 16; best time Tue-Thu 10:00-12:00 (UTC).",
        "2. **Call**: Make first contact: no touch recorded yet. Deal Acme O3 (Acme), 40k, closes 29 Aug 2025, "
        "health 19; best time Tue-Thu 10:00-12:00 (UTC).",
        # Qualification 0 (Critical) is never the strongest skill
        "- Your strongest skill this month is Closing at 71 (Developing).",
    ]:
        assert line in text, line
    assert text.count("Not measured, ") == 4
    assert "No external call recorded" not in text and "MEDDPICC 0/8" not in text
    assert "**0.0**" not in text and "**0%**" not in text
    html = rep_doc(digests["crm_only"][0], A1, "html")
    assert "no contact roles in the CRM data" in html and "Not measured: no Gong calls in the data." in html


def test_the_log_holds_null_components_not_zero_nor_one(digests):
    _, warehouse = digests["crm_only"]
    rows = dict(query(warehouse, "select skill, score from coaching.skill_assessment_log "
                                 "where rep_id = ? and assessment_date = ?", [A1, WEEK]))
    # qualification: early disqualification 0 of 3 (a true 0 from the deals) only; closing the
    # win rate 100 x 0.25 / 0.35 = 71.4; overall (0 x 0.15 + 71.43 x 0.15) / 0.30
    assert rows == {"discovery": None, "qualification": 0.0, "presentation": None, "objection_handling": None,
                    "negotiation": None, "closing": 71.4, "overall": 35.7}
    kept = query(warehouse, "select c.value, c.evidence_count from coaching.skill_assessment_log, "
                            "unnest(from_json(components, '[{\"component\": \"VARCHAR\", \"value\": \"DOUBLE\", "
                            "\"evidence_count\": \"BIGINT\"}]')) as t(c) "
                            "where rep_id = ? and skill = 'closing' and assessment_date = ? "
                            "and c.component = 'close_date_kept_rate'", [A1, WEEK])
    assert kept == [(None, 0)]


def test_the_same_seller_keeps_true_zeros_when_the_sources_are_delivered(digests):
    text = md(digests, "delivered")
    for line in [
        "| Stakeholders per deal | **0.0** | n/a | n/a |  no earlier value |",
        "| Champion identified | **0%** | n/a | n/a |  no earlier value |",
        "| Economic buyer identified | **0%** | n/a | n/a |  no earlier value |",
        # close dates kept on 4 of 4 (the org has field history): (71.43 + 100) / 2
        "| Closing | **86** | Proficient | ▶ stable | n/a |",
        "| Discovery | **n/a** | insufficient data |   | n/a |",
        "No external call recorded in June 2025.",
        "2. **Task**: Qualify: MEDDPICC 0/8 complete. Deal Acme O3 (Acme), 40k, closes 29 Aug 2025, health 7; "
        "best time Tue-Thu 10:00-12:00 (UTC).",
    ]:
        assert line in text, line
    assert "Not measured" not in text and "not measured" not in text


def test_no_activity_data_at_all_is_said(digests):
    text = md(digests, "bare")
    assert "| Daily activities (30 days) | **no activity data (no CRM tasks or events, no activity log)** | n/a | n/a " \
           "|  not measured |" in text
    assert "## Daily activity\n\nNot measured: no activity data (no CRM tasks or events, no activity log).\n" in text
    assert "business days" not in text
    html = rep_doc(digests["bare"][0], A1, "html")
    # the tile shows n/a with the reason, and no activity chart is drawn
    assert html.count("<svg") == 2 and "Low-day threshold" not in html


# ---------------------------------------------------------------------------------------
# Strengths and the strongest skill (hand-made skill rows)


def skill_rows(*scores) -> list[dict]:
    """(skill, score, level, gap_detected) -> the rep digest's skill rows."""
    return [{"skill": skill, "label": SKILL_LABELS[skill], "score": score, "score_text": f"{score:.0f}",
             "level": level, "change": None, "change_text": "n/a", "weakest": None,
             "may_be_strength": may_be_strength(score, gap, level, CFG)} for skill, score, level, gap in scores]


def digest_of(rows: list[dict]) -> RepDigest:
    skills = {"rows": rows}
    return RepDigest(month=JUNE, as_of=dt.date(2025, 6, 30), rep={"role": "AE"}, quarter=None,
                     performance=[{"key": "win_rate", "top": "n/a", "trend": Trend("", "none", "")}],
                     pattern=[], activity={}, skills=skills, strengths=_strengths(skills), focus_areas=[],
                     calls={"metrics": []}, next_actions=[], progress=[])


def test_a_critical_skill_is_never_the_strongest():
    # every skill at Critical: no strength and no "strongest skill" (was 'Your strongest skill
    # this month is Closing at 30 (Critical).')
    d = digest_of(skill_rows(("discovery", 12.0, "Critical", True), ("closing", 30.0, "Critical", True)))
    assert d.strengths == []
    assert template_narrative(d).strengths == []


def test_a_skill_with_a_gap_is_never_the_strongest():
    d = digest_of(skill_rows(("discovery", 65.0, "Developing", True), ("closing", 72.0, "Developing", False),
                             ("negotiation", 12.0, "Critical", True)))
    assert template_narrative(d).strengths == ["Your strongest skill this month is Closing at 72 (Developing)."]
    only_gaps = digest_of(skill_rows(("discovery", 65.0, "Developing", True), ("closing", 55.0, "Needs Coaching", True)))
    assert template_narrative(only_gaps).strengths == []


def test_a_strength_has_no_gap_whatever_its_score():
    # 85 with a gap (a threshold configured above it) is no strength; a Critical row without the
    # flag neither
    d = digest_of(skill_rows(("discovery", 85.0, "Proficient", True), ("closing", 81.0, "Proficient", False),
                             ("negotiation", 95.0, "Critical", False)))
    assert [r["skill"] for r in d.strengths] == ["closing"]
    assert template_narrative(d).strengths == ["Closing is a strength at 81 (Proficient)."]
