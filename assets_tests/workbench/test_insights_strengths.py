"""The rep dashboard's strengths (queries.insights, issue 19): the rep's best skills at the
last assessment, at most two, never a skill with a gap or at Critical; with none that
qualifies, none at all. On a small hand-made published file."""

import datetime as dt

import duckdb

from coaching_pipeline.workbench.access import RepAccess
from coaching_pipeline.workbench.published import PublishedFile
from coaching_pipeline.workbench.queries import insights

NOV9 = dt.date(2026, 11, 9)


def published(path, rows):
    con = duckdb.connect(str(path))
    con.execute("create schema coaching")
    con.execute("""create table coaching.coaching_log (coaching_id varchar, rep_id varchar, pattern_detected varchar,
        recommended_action varchar, approved_action varchar, approval_status varchar, status varchar,
        weeks_flagged integer, opened_on date, escalated_to_slm boolean)""")
    con.execute("""create table coaching.skill_assessment_log (rep_id varchar, assessment_date date, skill varchar,
        score double, level varchar, gap_detected boolean, trend varchar)""")
    con.executemany("insert into coaching.skill_assessment_log values (?, ?, ?, ?, ?, ?, 'stable')",
                    [(rep, NOV9, skill, score, level, gap) for rep, skill, score, level, gap in rows])
    con.close()
    return PublishedFile(path)


def strengths(tmp_path, rows, rep="r1"):
    with published(tmp_path / "analytics.duckdb", rows).cursor() as cur:
        return [(s["skill"], s["score"]) for s in insights(cur, rep, RepAccess(view=True))["strengths"]]


def test_only_skills_without_a_gap_are_strengths(tmp_path):
    assert strengths(tmp_path, [
        ("r1", "discovery", 91.0, "Expert", False), ("r1", "closing", 72.0, "Developing", False),
        ("r1", "negotiation", 68.0, "Developing", True), ("r1", "presentation", 12.0, "Critical", True),
        ("r1", "qualification", 85.0, "Proficient", False)]) == [("discovery", 91.0), ("qualification", 85.0)]


def test_a_critical_or_gap_skill_is_never_a_strength(tmp_path):
    # every skill has a gap: no strength (was the two best: 'Closing 35 (Critical)' among them);
    # a row without the gap flag is judged on its score (below 70: a gap) and its level
    assert strengths(tmp_path, [
        ("r1", "closing", 35.0, "Critical", True), ("r1", "discovery", 12.0, "Critical", None),
        ("r1", "negotiation", 65.0, "Developing", None), ("r1", "presentation", 50.0, "Needs Coaching", True),
        ("r1", "qualification", 95.0, "Critical", False)]) == []
