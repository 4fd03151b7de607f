"""The inbox's evidence and its order (inbox_evidence.py), the coaching history timeline
(inbox_history.py) and the inbox's JSON API, on small hand-checked files.

The cohort: three AE reps assessed on presentation on 9 Nov 2026 (scores 30.8, 55 and 80, so
the median is 55.0 of 3). r1 has a Critical presentation event (3 weeks) and a Developing
discovery event (4 weeks); r2 a Needs Coaching presentation event, 5 weeks and escalated.
Severity comes before persistence: r1's Critical event first, then r2's, then r1's
Developing one, and r1's group (its top event is Critical) before r2's."""

import datetime as dt
import json

import duckdb

from coaching_pipeline.config import load_settings
from coaching_pipeline.workbench.access import Org, Person
from coaching_pipeline.workbench.inbox_evidence import attach_evidence
from coaching_pipeline.workbench.inbox_history import PENDING_TEXT, build
from coaching_pipeline.workbench.inbox_queries import inbox, pending_events
from coaching_pipeline.workbench.published import PublishedFile, columns_of
from coaching_pipeline.workbench.store.models import Decision, Note

NOV9 = dt.date(2026, 11, 9)
DEFAULTS = load_settings(None).coaching  # gap below 70, 30-day call window, at least 3 calls
CALLS = [{"title": "Acme discovery", "url": "https://app.gong.io/call?id=1", "call_date": "2026-11-03"},
         {"title": "Bolt demo", "url": "javascript:alert(1)", "call_date": "2026-11-04"},
         {"title": "Core renewal", "url": "https://app.gong.io/call?id=3"},
         {"title": "Dune intro", "url": "https://app.gong.io/call?id=4"}]


def _published(path, with_examples: bool = False, with_engine_evidence: bool = False):
    con = duckdb.connect(str(path))
    con.execute("create schema coaching")
    con.execute("""create table coaching.coaching_log (coaching_id varchar, rep_id varchar, pattern_key varchar,
        pattern_detected varchar, recommended_action varchar, approved_action varchar, approval_status varchar,
        status varchar, weeks_flagged integer, opened_on date, escalated_to_slm boolean, last_assessed_on date)""")
    con.execute("""insert into coaching.coaching_log values
        ('e1', 'r1', 'skill:presentation', 'Presentation 30.8 (Critical)', 'Talk less', null, 'pending_approval',
         'open', 3, '2026-10-26', false, '2026-11-09'),
        ('e2', 'r1', 'skill:discovery', 'Discovery 65.0 (Developing)', 'Ask more', null, 'pending_approval',
         'open', 4, '2026-10-12', false, '2026-11-09'),
        ('e3', 'r2', 'skill:presentation', 'Presentation 55.0 (Needs Coaching)', 'Shorter demos', null,
         'pending_approval', 'open', 5, '2026-10-05', true, '2026-11-09'),
        ('e4', 'r2', 'skill:closing', 'Closing 50.0 (Needs Coaching)', 'Next steps', null, 'approved',
         'open', 2, '2026-10-19', false, '2026-11-09')""")
    if with_examples:
        con.execute("alter table coaching.coaching_log add column example_calls varchar")
        con.execute("update coaching.coaching_log set example_calls = ? where coaching_id = 'e1'", [json.dumps(CALLS)])
        con.execute("update coaching.coaching_log set example_calls = '[]' where coaching_id = 'e2'")
    if with_engine_evidence:  # what coaching/signal.py records on each event
        con.execute("alter table coaching.coaching_log add column sample_size integer")
        con.execute("alter table coaching.coaching_log add column benchmark_value double")
        con.execute("update coaching.coaching_log set sample_size = 7, benchmark_value = 63.6 where coaching_id = 'e1'")
    con.execute("""create table coaching.skill_assessment_log (rep_id varchar, assessment_date date, skill varchar,
        score double, level varchar, trend varchar, role varchar, severity varchar, components varchar,
        cohort_percentile double, weakest_component varchar, weakest_value double, weakest_target varchar)""")
    talk = lambda n: json.dumps([{"component": "talk_ratio", "evidence_count": n}])  # noqa: E731
    con.executemany("insert into coaching.skill_assessment_log values (?, ?, ?, ?, ?, ?, 'AE', ?, ?, ?, ?, ?, null)", [
        ("r1", NOV9, "presentation", 30.8, "Critical", "declining", "high", talk(5), 12.0, "talk_ratio", 0.63),
        ("r2", NOV9, "presentation", 55.0, "Needs Coaching", "flat", "medium", talk(4), 50.0, "talk_ratio", 0.58),
        ("r3", NOV9, "presentation", 80.0, "Proficient", "flat", None, talk(9), 87.5, None, None),
        ("r1", NOV9, "discovery", 65.0, "Developing", "flat", "low", "[]", 40.0, None, None)])
    con.execute("""create table coaching.coaching_history (coaching_id varchar, assessment_date date, flagged boolean,
        metric_value double, clock_week integer, clock_reset boolean, escalated boolean)""")
    con.execute("""insert into coaching.coaching_history values
        ('e1', '2026-10-26', true, 35.0, 1, false, false), ('e1', '2026-11-02', true, 33.0, 2, false, false),
        ('e1', '2026-11-09', true, 30.8, 3, false, false)""")
    con.close()
    return PublishedFile(path)


def _events(published):
    """coaching_id -> event with its evidence, and the ids in the inbox's order."""
    with published.cursor() as cur:
        found, have = pending_events(cur, ["r1", "r2"])
        ranked = attach_evidence(cur, found, DEFAULTS, have)
    return {e["coaching_id"]: e for e in ranked}, [e["coaching_id"] for e in ranked]


def test_evidence_names_value_benchmark_cohort_sample_and_trend(tmp_path):
    events, order = _events(_published(tmp_path / "p.duckdb"))
    assert order == ["e1", "e3", "e2"]  # Critical, then Needs Coaching (escalated, 5 weeks), then Developing
    ev = events["e1"]["evidence"]
    assert ev["metric"]["label"] == "Presentation skill score (0-100)"
    assert (ev["value"]["text"], ev["value"]["level"], ev["value"]["as_of"]) == ("30.8", "Critical", NOV9)
    assert ev["benchmark"]["text"] == "a gap is a score below 70"
    assert ev["benchmark"]["cohort"]["text"] == ("AE reps assessed on 9 Nov 2026: median 55.0 of 3 reps, "
                                                 "this rep at the 12th percentile")
    assert ev["component"]["text"] == "talk ratio 63% vs target 40-50%"
    assert ev["sample"]["text"] == "5 External calls in the 30 days before 9 Nov 2026 (minimum 3)"
    assert ev["trend"]["text"] == "35.0 on 26 Oct 2026 to 30.8 on 9 Nov 2026"
    assert ev["trend"]["label"] == "declining" and ev["trend"]["spark"] is not None
    assert ev["severity"] == {"tier": 3, "label": "Critical"}
    assert ev["example_calls"] is None  # the file has no such column: not known, never "none"
    assert events["e3"]["evidence"]["weeks"]["escalated"] is True
    assert events["e3"]["evidence"]["trend"] == {"label": "flat", "points": [], "text": None, "spark": None,
                                                 "source": "coaching.coaching_history and "
                                                           "coaching.skill_assessment_log.trend"}
    assert events["e2"]["evidence"]["sample"] is None  # no component named: no sample is claimed


def test_example_calls_are_capped_at_three_and_only_http_links_kept(tmp_path):
    events, _ = _events(_published(tmp_path / "p.duckdb", with_examples=True))
    calls = events["e1"]["evidence"]["example_calls"]
    assert [(c["title"], c["url"]) for c in calls] == [("Acme discovery", "https://app.gong.io/call?id=1"),
                                                       ("Bolt demo", None),
                                                       ("Core renewal", "https://app.gong.io/call?id=3")]
    assert "example_calls" not in events["e1"]  # shown through the evidence only
    assert events["e2"]["evidence"]["example_calls"] == []  # the engine found none
    assert events["e3"]["evidence"]["example_calls"] is None  # null: nothing was recorded


def test_columns_of_a_missing_table_is_empty(tmp_path):
    with _published(tmp_path / "p.duckdb").cursor() as cur:
        assert columns_of(cur, "coaching", "nothing_here") == set()


def test_history_is_one_timeline_newest_first_from_the_file_and_the_store():
    pub = {"events": [
        {"coaching_id": "e0", "rep_id": "r1", "pattern_detected": "Closing 50.0 (Needs Coaching)",
         "approval_status": "approved", "opened_on": dt.date(2026, 10, 1), "escalated_to_slm": False,
         "resolution_date": dt.date(2026, 10, 20), "improvement_detected": True},
        {"coaching_id": "e1", "rep_id": "r1", "pattern_detected": "Presentation 30.8 (Critical)",
         "approval_status": "pending_approval", "opened_on": dt.date(2026, 10, 26), "escalated_to_slm": True,
         "escalation_date": dt.date(2026, 11, 2), "escalation_reason": "3 weeks without a 10% improvement"}],
        "resets": [{"coaching_id": "e1", "assessment_date": dt.date(2026, 11, 2), "metric_value": 33.0}],
        "escalations": None, "decisions": None}
    store_rows = {
        "decisions": [Decision(id=1, coaching_id="e1", rep_id="r1", decided_by="m1", decision="approved",
                               decided_at=dt.datetime(2026, 11, 10, 9, 0))],
        "requests": [], "resolutions": [],
        "notes": [Note(id=1, rep_id="r1", author="m1", text="Talked it through", created_at=dt.datetime(2026, 11, 10, 10))]}
    org = _org()
    timeline = build(pub, store_rows, org)["r1"]
    assert [(h["at_text"], h["kind"], h["who"], h["text"], h["state"]) for h in timeline] == [
        ("10 Nov 2026 10:00 UTC", "note", "Mona Manager", "Talked it through", None),
        ("10 Nov 2026 09:00 UTC", "decision", "Mona Manager", "Approved: Presentation 30.8 (Critical)", PENDING_TEXT),
        # the same day: an escalation is listed above (after) an improvement
        ("2 Nov 2026", "escalation", None, "Escalated to the second-line manager: Presentation 30.8 (Critical)", None),
        ("2 Nov 2026", "improvement", None, "Improved 10% or more: Presentation 30.8 (Critical); the persistence "
                                           "clock restarted at week 1", None),
        ("26 Oct 2026", "event", None, "Opened: Presentation 30.8 (Critical)", None),
        ("20 Oct 2026", "improvement", None, "Resolved: Closing 50.0 (Needs Coaching), no longer flagged (improved)",
         None),
        ("1 Oct 2026", "event", None, "Opened: Closing 50.0 (Needs Coaching)", None)]
    assert timeline[2]["detail"] == "3 weeks without a 10% improvement"


def test_inbox_groups_follow_their_most_severe_event(tmp_path):
    with _published(tmp_path / "p.duckdb").cursor() as cur:
        groups = inbox(cur, None, _org(), ["r1", "r2"], DEFAULTS)
    assert [(g["rep"]["rep_id"], [e["coaching_id"] for e in g["events"]]) for g in groups] == [
        ("r1", ["e1", "e2"]), ("r2", ["e3"])]
    assert groups[1]["history_url"] == "/inbox/reps/r2/history"
    # r2's approved e4 is not pending, but is in the history (opened 19 Oct)
    assert "Opened: Closing 50.0 (Needs Coaching)" in [h["text"] for h in groups[1]["history"]]


def _org() -> Org:
    reps = [Person(uid, name, f"{uid}@x.test", True, manager, "s1", "AE")
            for uid, name, manager in [("r1", "Rita Rep", "m1"), ("r2", "Ravi Rep", "m1"), ("r3", "Rosa Rep", "m2")]]
    return Org.of([*reps, Person("m1", "Mona Manager", "mona@x.test")])


def test_the_engines_own_sample_and_cohort_benchmark_are_said_when_recorded(tmp_path):
    events, _ = _events(_published(tmp_path / "p.duckdb", with_engine_evidence=True))
    ev = events["e1"]["evidence"]
    assert ev["benchmark"]["text"] == ("a gap is a score below 70 and below the role cohort's 35th percentile, "
                                       "63.6 this week")
    assert ev["sample"]["text"] == "7 External calls in the 30 days before 9 Nov 2026 (minimum 3)"
    assert ev["benchmark"]["cohort"]["text"].startswith("AE reps assessed on 9 Nov 2026: median 55.0 of 3 reps")
    assert events["e3"]["evidence"]["benchmark"]["text"] == "a gap is a score below 70"  # none recorded for e3
