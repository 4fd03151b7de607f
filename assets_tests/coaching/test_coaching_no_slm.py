"""Where a seller has no second-line manager (their manager has no manager), what goes to the
SLM goes to the manager instead, saying so (coaching contract, escalation routing)."""

import polars as pl

from coaching_pipeline.coaching import rules

from .helpers import CFG, USERS, frame, series

NO_SLM_USERS = pl.concat([USERS, pl.DataFrame([
    {"user_id": "R9", "user_name": "Nia Nobody", "role": "AE", "manager_id": "M9", "slm_id": None},
    {"user_id": "M9", "user_name": "Max Top", "role": "MANAGER", "manager_id": None, "slm_id": None},
])])


def test_a_persistence_escalation_without_an_slm_goes_to_the_manager_saying_why():
    assessments = frame(series("R9", "discovery", [52, 51, 50.5], manager="M9")
                        + series("R1", "discovery", [52, 51, 50.5]))
    esc = {r["rep_id"]: r for r in rules.replay(assessments, NO_SLM_USERS, None, CFG).escalations.iter_rows(named=True)}
    assert (esc["R9"]["escalated_to"], esc["R9"]["manager_id"], esc["R9"]["slm_id"]) == ("manager", "M9", None)
    assert esc["R9"]["reason"] == (
        "Discovery below 70 at 3 consecutive weekly assessments without a 10% improvement "
        "(52.0, 51.0, 50.5 on 2025-01-06, 2025-01-13, 2025-01-20); 6.1 questions per call vs target 11-14 "
        "Sent to the manager: this seller has no second-line manager (their manager has no manager in the CRM).")
    assert (esc["R1"]["escalated_to"], esc["R1"]["slm_id"]) == ("slm", "S1")  # with an SLM: unchanged


def test_an_escalation_to_the_manager_is_left_as_it_is():
    routed = rules.without_slm_to_manager({"slm_id": None, "escalated_to": "manager", "reason": "Bottom quartile"})
    assert routed == {"slm_id": None, "escalated_to": "manager", "reason": "Bottom quartile"}
    both = rules.without_slm_to_manager({"slm_id": None, "escalated_to": "manager_and_slm", "reason": "Attainment"})
    assert both["escalated_to"] == "manager" and both["reason"].startswith("Attainment Sent to the manager")
