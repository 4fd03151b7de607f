"""The manager digest's "waiting for your approval" list: most severe and persistent first
(coaching/signal.priority: the tier of the latest score, the weeks on the clock, the lower
score, the older event), each with its evidence in words, on three hand-made rows."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from coaching_pipeline.config import load_settings
from coaching_pipeline.digests.documents import _pending
from coaching_pipeline.digests.formatting import Month


def _row(cid, score, weeks, opened, sample=None, benchmark=None):
    return {"coaching_id": cid, "rep_id": "R1", "role": "AE", "manager_id": "M1", "pattern_key": "skill:discovery",
            "pattern_detected": f"Discovery {score}", "recommended_action": "Ask more", "opened_on": opened,
            "weeks_flagged": weeks, "escalated_to_slm": False, "latest_score": score, "sample_size": sample,
            "benchmark_value": benchmark}


def test_the_waiting_list_is_most_severe_then_most_persistent_with_its_evidence():
    data = SimpleNamespace(
        month=Month.of("2026-10"), cfg=load_settings(None), name=lambda uid: {"R1": "Rita Rep"}[uid],
        pending={"M1": [_row("A", 65.0, 3, dt.date(2026, 10, 5)),  # Developing, 3 weeks
                        _row("B", 35.0, 1, dt.date(2026, 10, 19)),  # Critical, 1 week
                        _row("C", 35.0, 2, dt.date(2026, 10, 12), sample=8, benchmark=63.6),  # Critical, 2 weeks
                        _row("D", 20.0, 1, dt.date(2026, 11, 2))]})  # opened after October: not listed
    rows = _pending(data, "M1")
    assert [r["coaching_id"] for r in rows] == ["C", "B", "A"]
    assert rows[0]["evidence"] == "below 63.6, the AE cohort's 35th percentile; 8 samples behind it"
    assert rows[1]["evidence"] is None  # nothing recorded: nothing claimed


def test_the_slm_notice_reports_each_process_gap_once():
    from coaching_pipeline.digests.documents import slm_notice
    from coaching_pipeline.digests.render import _environments, tidy_markdown

    gap = {"role": "AE", "skill": "qualification", "assessment_date": dt.date(2026, 10, 26), "scored_sellers": 18,
           "sellers_with_gap": 17, "share_with_gap": 17 / 18, "median_score": 12.9,
           "common_weakest_component": "meddpicc_completeness"}
    data = SimpleNamespace(month=Month.of("2026-10"), as_of=dt.date(2026, 11, 13), process_gaps=[gap],
                           person=lambda uid: {"id": uid, "name": "Sam Slm", "email": None})
    notice = slm_notice(data, "S1", escalations=[])
    assert [(g["skill_label"], g["share"], g["median"], g["component"]) for g in notice.process_gaps] == [
        ("Qualification", "17 of 18", "12.9", "MEDDPICC completeness of open deals")]
    _, md_env = _environments()
    text = tidy_markdown(md_env.get_template("slm.md.j2").render(d=notice, as_of_text="13 Nov 2026", links=None))
    assert "## Process gaps on 26 Oct 2026" in text
    assert "| AE | Qualification | 17 of 18 | 12.9 | MEDDPICC completeness of open deals |" in text
