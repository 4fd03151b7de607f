"""`coaching eval`'s scoring (coaching/evaluation.py) on a hand-made ground truth: which
events and escalations are right, which planted gaps were found, the deal AUC, the budget,
and a detector that flags everyone (or no one) scoring badly."""

import datetime as dt

import pytest

from coaching_pipeline.coaching.evaluation import Signal, evaluate, roc_auc

MON = [dt.date(2026, 9, 7) + dt.timedelta(weeks=k) for k in range(10)]  # ten Mondays, MON[-1] = 2026-11-09
SKILLS = ["discovery", "qualification", "presentation", "objection_handling", "negotiation", "closing"]


def gap(rep, skill, start, until=None, detectable=True, why_not=None, role="AE"):
    return {"rep_id": rep, "role": role, "skill": skill, "kind": "chronic", "from": start.isoformat(),
            "until": until.isoformat() if until else None, "level": 0.1, "detectable": detectable, "why_not": why_not}


def truth(gaps, **extra):
    base = {"as_of": "2026-11-13", "scale": "T", "seed": 1, "skills": SKILLS,
            "sellers": {f"R{i}": {"role": "AE", "top": False, "thin_evidence": False} for i in range(1, 5)},
            "gaps": gaps, "process_gaps": [], "bottom_quartile": {}, "attainment": {}, "deal_fates": {}}
    return {**base, **extra}


def signal(events=(), escalations=(), **extra):
    base = dict(assessment_dates=MON, events=list(events), escalations=list(escalations), process_gaps=[],
                daily_flags=[], health={}, managers=["M1"])
    return Signal(**{**base, **extra})


def event(rep, skill, opened, manager="M1", surfaced=None, open_focus=True):
    return {"rep_id": rep, "skill": skill, "opened_on": opened, "manager_id": manager,
            "surfaced_on": surfaced or opened, "open_focus": open_focus}


GAPS = [
    gap("R1", "discovery", dt.date(2025, 1, 6)),  # chronic: found by the R1 event
    gap("R2", "closing", dt.date(2026, 9, 28)),  # from week 4 on: the event opened in week 2 is too early
    gap("R3", "qualification", dt.date(2025, 1, 6), detectable=False, why_not="process_gap"),
    gap("R4", "presentation", dt.date(2026, 11, 2)),  # a week old at the last assessment: not expected yet
]


def test_events_are_right_only_on_a_detectable_gap_in_its_weeks():
    events = [event("R1", "discovery", MON[0]),
              event("R2", "closing", MON[0]),  # 2026-09-07: more than 14 days before 2026-09-28
              event("R3", "qualification", MON[0]),  # a process gap: never an event per seller
              event("R4", "negotiation", MON[5])]  # nothing planted
    figures = evaluate(truth(GAPS), signal(events))["events"]
    assert figures["overall"] == {"made": 4, "right": 1, "precision": 0.25, "expected": 2, "found": 1, "recall": 0.5}
    assert figures["per_skill"]["closing"] == {"made": 1, "right": 0, "precision": 0.0, "expected": 1, "found": 0,
                                               "recall": 0.0}
    assert figures["per_skill"]["presentation"]["expected"] == 0  # R4's presentation gap is too young
    # the same R2 event a week later is within the 14 days a gradual decline may show early
    later = evaluate(truth(GAPS), signal([event("R2", "closing", MON[1])]))["events"]["per_skill"]["closing"]
    assert (later["right"], later["found"]) == (1, 1)


def test_a_detector_that_flags_everyone_or_no_one_misses_the_targets():
    everyone = [event(f"R{i}", skill, MON[0]) for i in range(1, 5) for skill in SKILLS]
    figures = evaluate(truth(GAPS), signal(everyone))
    # right only on R1's discovery; R2's closing gap had not begun on the first Monday
    assert figures["events"]["overall"]["precision"] == round(1 / 24, 3)
    assert figures["events"]["overall"]["recall"] == 0.5
    assert "event precision 0.042 (target >= 0.85)" in figures["misses"]
    nobody = evaluate(truth(GAPS), signal([]))
    assert nobody["events"]["overall"]["recall"] == 0.0
    assert "event precision: nothing to measure" in nobody["misses"]
    assert "event recall 0.0 (target >= 0.8)" in nobody["misses"]


def test_escalations_by_rule():
    attainment = {"R1": {"2026-07-01": {"end": "2026-09-30", "quota_usd": 100000.0,
                                        "won": [["2026-08-03", 30000.0], ["2026-09-20", 40000.0]]}},
                  "R2": {"2026-07-01": {"end": "2026-09-30", "quota_usd": 100000.0, "won": [["2026-08-03", 60000.0]]}}}
    bq = {"R3": [d.isoformat() for d in MON]}  # bottom quartile the whole window
    escalations = [
        {"rep_id": "R1", "rule": "persistence", "skill": "discovery", "escalation_date": MON[2]},  # right
        # three weeks on the clock from 2026-09-07, before R2's gap began on 2026-09-28 (- 14 days)
        {"rep_id": "R2", "rule": "persistence", "skill": "closing", "escalation_date": MON[3]},
        # R1 on 2026-09-14: 30,000 of 100,000 won by 2026-09-13 (30%), 17 days left: right
        {"rep_id": "R1", "rule": "attainment", "skill": None, "escalation_date": MON[1]},
        # R2 at 60%: wrong
        {"rep_id": "R2", "rule": "attainment", "skill": None, "escalation_date": MON[1]},
        {"rep_id": "R3", "rule": "bottom_quartile", "skill": None, "escalation_date": MON[6]},  # right
        {"rep_id": "R1", "rule": "bottom_quartile", "skill": None, "escalation_date": MON[6]},  # wrong
    ]
    t = truth(GAPS, attainment=attainment, bottom_quartile=bq)
    figures = evaluate(t, signal(escalations=escalations))["escalations"]
    rules = figures["per_rule"]
    assert (rules["persistence"]["right"], rules["persistence"]["made"]) == (1, 2)
    # R1's gap lasts the whole window (expected, found); R2's closing gap started 2026-09-28, six
    # weeks before the last assessment (expected, not found); R4's is too young
    assert (rules["persistence"]["found"], rules["persistence"]["expected"]) == (1, 2)
    # R1 was below 50% with fewer than 42 days left in Q3 (expected and found); R2 never was
    assert {k: rules["attainment"][k] for k in ("right", "made", "found", "expected")} == {
        "right": 1, "made": 2, "found": 1, "expected": 1}
    assert {k: rules["bottom_quartile"][k] for k in ("right", "made", "found", "expected")} == {
        "right": 1, "made": 2, "found": 1, "expected": 1}
    assert figures["overall"]["precision"] == 0.5


def test_deal_auc_counts_ties_as_a_half():
    # risk = 100 - health: lost deals at risk 3 and 2, won at 1 and 2 -> (1 + 1 + 1 + 0.5) / 4
    assert roc_auc([3, 2], [1, 2]) == 0.875
    assert roc_auc([1, 1], [1, 1]) == 0.5  # a score that says nothing
    assert roc_auc([], [1]) is None
    t = truth([], deal_fates={"O1": "lost", "O2": "won", "O3": "lost", "O4": "won"})
    s = signal(health={"O1": 20.0, "O2": 80.0, "O3": 90.0, "O4": 50.0, "O9": 10.0})
    # risks: lost 80, 10; won 20, 50 -> (1 + 1 + 0 + 0) / 4
    assert evaluate(t, s)["deal_health"] == {"open_deals": 4, "scored": 4, "lost": 2, "won": 2, "auc": 0.5}


def test_the_budget_counts_every_manager_week_and_seller_month():
    events = [event("R1", "discovery", MON[0]), event("R1", "closing", MON[0]),
              event("R2", "closing", MON[1], open_focus=False), event("R3", "discovery", MON[1], manager="M2")]
    flags = [{"rep_id": "R1", "flag_date": dt.date(2026, 10, 2)}, {"rep_id": "R1", "flag_date": dt.date(2026, 10, 9)},
             {"rep_id": "R2", "flag_date": dt.date(2026, 11, 3)}]
    b = evaluate(truth(GAPS), signal(events, daily_flags=flags, managers=["M1", "M2"]))["budget"]
    # 4 recommendations over 2 managers x 10 weeks; 3 flags over 4 sellers x 2 months
    assert b == {"recommendations_per_manager_week": 0.2, "recommendations_per_manager_week_max": 2,
                 "daily_flags_per_seller_month": pytest.approx(0.38), "daily_flags_per_seller_month_max": 2,
                 "max_open_focus_areas": 2}
