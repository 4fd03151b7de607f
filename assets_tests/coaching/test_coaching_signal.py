"""A signal a manager can act on (coaching/signal.py through rules.replay), on small
hand-checked cohorts: a gap is flagged only in the bottom part of the role cohort, a gap most
of a cohort shares is one process gap and no event, thin evidence flags nothing, and a
seller's fourth gap waits in the queue until a focus-area slot frees up."""

import datetime as dt
import json

import polars as pl

from coaching_pipeline.coaching import rules
from coaching_pipeline.config import load_settings

CFG = load_settings(None).coaching  # gap below 70, 35th percentile, process gap > 0.5 of >= 4, 3 slots
W1, W2, W3 = dt.date(2026, 10, 5), dt.date(2026, 10, 12), dt.date(2026, 10, 19)


def _row(rep, day, skill, score, pct, weakest="questions_per_call", count=6, role="AE"):
    return {"rep_id": rep, "role": role, "manager_id": "M1", "assessment_date": day, "skill": skill,
            "score": score, "level": None, "gap_detected": None if score is None else score < 70,
            "components": json.dumps([{"component": weakest, "evidence_count": count}]),
            "severity": None, "evidence_source": None, "trend": None, "cohort_percentile": pct,
            "weakest_component": weakest, "weakest_value": 5.0, "weakest_target": None}


def _replay(rows, decided=None):
    return rules.replay(pl.DataFrame(rows, infer_schema_length=None), None, None, CFG, decided=decided)


def test_below_the_threshold_but_above_the_35th_percentile_is_not_flagged():
    # eight AEs on discovery; four below 70 is not more than half: no process gap
    scores = [(30, 0.0), (50, 14.3), (60, 28.6), (68, 42.9), (80, 57.1), (85, 71.4), (90, 85.7), (95, 100.0)]
    result = _replay([_row(f"R{i}", W1, "discovery", s, p) for i, (s, p) in enumerate(scores)])
    assert sorted(result.events["rep_id"]) == ["R0", "R1", "R2"]  # R3 (68, 42.9th) is in the middle of the pack
    assert result.process_gaps.is_empty()
    r0 = result.events.filter(pl.col("rep_id") == "R0").row(0, named=True)
    # the 35th percentile of the eight scores, linear: 60 + 0.45 x (68 - 60) = 63.6
    assert (r0["sample_size"], r0["benchmark_value"], r0["benchmark_cohort"]) == (
        6, 63.6, "35th percentile of 8 AE sellers scored on 2026-10-05")


def test_a_gap_most_of_the_cohort_shares_is_one_process_gap_and_no_event():
    # five of six AEs below 70 on qualification: an org that does not fill MEDDPICC
    scores = [(20, 0.0), (25, 20.0), (30, 40.0), (35, 60.0), (40, 80.0), (90, 100.0)]
    rows = [_row(f"R{i}", W1, "qualification", s, p, weakest="meddpicc_completeness") for i, (s, p) in
            enumerate(scores)]
    rows[4]["weakest_component"] = "champion_and_eb_rate"
    result = _replay(rows)
    assert result.events.is_empty()
    assert result.process_gaps.to_dicts() == [{
        "role": "AE", "skill": "qualification", "assessment_date": W1, "scored_sellers": 6, "sellers_with_gap": 5,
        "share_with_gap": 5 / 6, "median_score": 32.5, "common_weakest_component": "meddpicc_completeness"}]


def test_a_process_gap_week_neither_resolves_nor_advances_an_open_event():
    def cohort(day, r0_score, others):
        return [_row("R0", day, "closing", r0_score, 0.0)] + [
            _row(f"R{i + 1}", day, "closing", s, 20.0 * (i + 1)) for i, s in enumerate(others)]

    weeks = cohort(W1, 30, [80, 85, 90, 95, 99]) + cohort(W2, 31, [50, 55, 60, 95, 99]) \
        + cohort(W3, 32, [80, 85, 90, 95, 99])
    result = _replay(weeks)
    [event] = result.events.to_dicts()
    assert (event["rep_id"], event["status"], event["weeks_flagged"]) == ("R0", "open", 2)  # W2 did not count
    history = result.history.sort("assessment_date").select("assessment_date", "flagged", "clock_week").rows()
    assert history == [(W1, True, 1), (W2, None, 1), (W3, True, 2)]
    assert result.process_gaps["assessment_date"].to_list() == [W2]


def test_thin_evidence_flags_nothing():
    # R0's score is null (fewer than 3 calls): no event, whatever the cohort
    rows = [_row("R0", W1, "discovery", None, None)] + [
        _row(f"R{i}", W1, "discovery", s, p) for i, (s, p) in enumerate([(80, 0.0), (90, 50.0), (95, 100.0)], 1)]
    assert _replay(rows).events.is_empty()


def test_the_fourth_gap_is_queued_until_a_slot_frees():
    skills = ["discovery", "qualification", "presentation", "closing"]
    week1 = {"discovery": 20, "qualification": 30, "presentation": 50, "closing": 65}  # tiers 3, 3, 2, 1
    rows = []
    for skill in skills:
        rows += [_row("R0", W1, skill, week1[skill], 0.0), _row("R1", W1, skill, 95, 100.0)]
        # week 2: discovery back above 70 (resolved): its slot goes to closing
        rows += [_row("R0", W2, skill, 85 if skill == "discovery" else week1[skill], 0.0 if skill != "discovery"
                      else 50.0), _row("R1", W2, skill, 95, 100.0)]
    week_one = _replay([r for r in rows if r["assessment_date"] == W1])
    queued = {e["pattern_key"]: (e["queued"], e["surfaced_on"]) for e in week_one.events.to_dicts()}
    assert queued == {"skill:discovery": (False, W1), "skill:qualification": (False, W1),
                      "skill:presentation": (False, W1), "skill:closing": (True, None)}
    both = {e["pattern_key"]: (e["status"], e["queued"], e["surfaced_on"]) for e in _replay(rows).events.to_dicts()}
    assert both == {"skill:discovery": ("resolved", False, W1), "skill:qualification": ("open", False, W1),
                    "skill:presentation": ("open", False, W1), "skill:closing": ("open", False, W2)}


def test_a_dismissal_frees_its_slot_and_what_a_manager_agreed_keeps_its_own():
    skills = {"discovery": 20, "qualification": 30, "presentation": 50, "closing": 65}
    rows = [_row("R0", W1, skill, score, 0.0) for skill, score in skills.items()]
    ids = {e["pattern_key"]: e["coaching_id"] for e in _replay(rows).events.to_dicts()}
    # the manager dismissed discovery: closing takes its slot
    events = _replay(rows, decided={ids["skill:discovery"]: "dismissed"}).events
    assert dict(events.select("pattern_key", "queued").rows())["skill:closing"] is False
    # ... and an approved closing (decided before this rule) is never queued, even over three others
    events = _replay(rows, decided={ids["skill:closing"]: "approved"}).events
    assert dict(events.select("pattern_key", "queued").rows()) == {
        "skill:discovery": False, "skill:qualification": False, "skill:presentation": True, "skill:closing": False}


def test_queued_events_still_escalate():
    skills = {"discovery": 20, "qualification": 30, "presentation": 50, "closing": 65}
    rows = [_row("R0", day, skill, score, 0.0) for day in (W1, W2, W3) for skill, score in skills.items()]
    result = _replay(rows)
    closing = result.events.filter(pl.col("pattern_key") == "skill:closing").row(0, named=True)
    assert closing["queued"] is True and closing["escalated_to_slm"] is True
    assert sorted(result.escalations["pattern_key"]) == sorted(f"skill:{s}" for s in skills)


def _calls(rows):
    return pl.DataFrame(
        [{"call_id": c, "rep_id": rep, "is_external": ext, "call_date": day, "title": f"Call {c}",
          "url": f"https://app.gong.io/call?id={c}", "questions_company_count": q, "talk_ratio": t}
         for c, rep, ext, day, q, t in rows], schema_overrides={"questions_company_count": pl.Float64})


def test_example_calls_are_the_three_that_show_the_gap_most():
    # R0's discovery event at W1 (5.0 questions per call, below the 11-14 band): the calls of
    # the 30 days before W1 with the fewest questions, External only
    calls = _calls([
        ("c1", "R0", True, dt.date(2026, 9, 20), 9.0, 0.5), ("c2", "R0", True, dt.date(2026, 9, 22), 2.0, 0.5),
        ("c3", "R0", True, dt.date(2026, 9, 24), 4.0, 0.5), ("c4", "R0", True, dt.date(2026, 9, 28), 12.0, 0.5),
        ("c5", "R0", False, dt.date(2026, 9, 29), 0.0, 0.5),  # internal
        ("c6", "R0", True, dt.date(2026, 8, 1), 0.0, 0.5),  # before the window
        ("c7", "R1", True, dt.date(2026, 9, 29), 0.0, 0.5)])  # another seller
    rows = [_row("R0", W1, "discovery", 30, 0.0), _row("R1", W1, "discovery", 95, 100.0)]
    result = rules.replay(pl.DataFrame(rows, infer_schema_length=None), None, None, CFG, calls=calls)
    [event] = result.events.to_dicts()
    assert [(c["call_id"], c["value"], c["url"]) for c in json.loads(event["example_calls"])] == [
        ("c2", 2.0, "https://app.gong.io/call?id=c2"), ("c3", 4.0, "https://app.gong.io/call?id=c3"),
        ("c1", 9.0, "https://app.gong.io/call?id=c1")]


def test_a_talk_ratio_above_the_band_shows_the_calls_that_talk_most_and_deals_show_none():
    calls = _calls([("c1", "R0", True, dt.date(2026, 9, 20), 9.0, 0.55), ("c2", "R0", True, dt.date(2026, 9, 22), 9.0,
                                                                        0.81)])
    talk = _row("R0", W1, "presentation", 30, 0.0, weakest="talk_ratio")
    talk["weakest_value"] = 0.7
    deals = _row("R0", W1, "negotiation", 30, 0.0, weakest="late_stage_win_rate")
    rows = [talk, deals, _row("R1", W1, "presentation", 95, 100.0), _row("R1", W1, "negotiation", 95, 100.0)]
    events = rules.replay(pl.DataFrame(rows, infer_schema_length=None), None, None, CFG, calls=calls).events
    examples = dict(events.select("pattern_key", "example_calls").rows())
    assert [c["call_id"] for c in json.loads(examples["skill:presentation"])] == ["c2", "c1"]
    assert examples["skill:negotiation"] is None  # not a per-call metric: not applicable


def test_objection_calls_without_a_next_step_are_the_examples_latest_first():
    calls = pl.DataFrame([
        {"call_id": c, "rep_id": "R0", "is_external": True, "call_date": day, "title": c, "url": None,
         "tracker_objection": obj, "tracker_next_steps": nxt}
        for c, day, obj, nxt in [("a", dt.date(2026, 9, 20), 2.0, 0.0), ("b", dt.date(2026, 9, 25), 1.0, 0.0),
                                 ("c", dt.date(2026, 9, 27), 1.0, 3.0),  # reached a next step
                                 ("d", dt.date(2026, 9, 28), 0.0, 0.0),  # no objection
                                 ("e", dt.date(2026, 9, 29), 1.0, None)]])  # tracker not reported
    rows = [_row("R0", W1, "objection_handling", 30, 0.0, weakest="objection_calls_with_next_steps"),
            _row("R1", W1, "objection_handling", 95, 100.0)]
    [event] = rules.replay(pl.DataFrame(rows, infer_schema_length=None), None, None, CFG, calls=calls).events.to_dicts()
    assert [c["call_id"] for c in json.loads(event["example_calls"])] == ["b", "a"]
