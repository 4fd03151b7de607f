"""Not delivered is not zero (issue 19, point 5) in the skill assessment, on hand-made
evidence: a source the org never delivered (no CloseDate field history, no MEDDPICC fields,
neither MEDDPICC nor contact roles, no Gong calls) gives null components, never 0 or a
perfect rate; the same source delivered, with nothing for this seller, keeps the true 0 or
1.0. The assessment date is Monday 2025-06-02 (DAY); settings are the defaults."""

from __future__ import annotations

import json

import pytest

from .skills_helpers import D, assess_week_checked, call, components_of, deal, evidence, rows_of, user

# All the skill modules share one xdist group: they stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("coaching_skills")

# R1: four deals closed in the window (one won, three lost after 60+ days), three open.
CLOSED = [
    deal("W1", "R1", 100, 40, "won", 10000),
    deal("L1", "R1", 100, 30, "lost", 10000),
    deal("L2", "R1", 90, 20, "lost", 10000),
    deal("L3", "R1", 80, 10, "lost", 10000),
]
# R9's deal: the only CloseDate change of the org (a slip), recorded by d - 1
OTHER_SLIP = {"opportunity_id": "X1", "field_name": "CloseDate", "old_value": "2025-04-01",
              "new_value": "2025-04-20", "created_date": D(2025, 3, 25)}


def opens(**facts):
    return [deal(f"O{i}", "R1", 20, -30, "open", 1000, **facts) for i in (1, 2, 3)]


def closing(ev):
    r1 = rows_of(assess_week_checked(ev), "R1")["closing"]
    return r1["score"], r1["level"], r1["weakest_component"]


def test_without_close_date_history_the_kept_rate_is_null_not_one():
    users = [user("R1"), user("R9")]
    without = evidence(users=users, deals=CLOSED)
    with_history = evidence(users=users, deals=[*CLOSED, deal("X1", "R9", 100, 50, "lost")],
                            close_dates=[OTHER_SLIP])
    # no field history at all: no slip can be seen, so no rate (it was 1.0 for everyone)
    assert components_of(without, "R1")["close_date_kept_rate"] == (None, 0, None)
    # history delivered, none of R1's deals slipped: every close date really kept
    assert components_of(with_history, "R1")["close_date_kept_rate"] == (1.0, 4, 100.0)
    # 1 of 4 won -> 100 x 0.25 / 0.35 = 71.429; the kept rate 1.0 adds 100 when measured
    assert components_of(without, "R1")["win_rate"] == (0.25, 4, 71.429)
    assert closing(without) == (71.4, "Developing", "win_rate")
    assert closing(with_history) == (85.7, "Proficient", "win_rate")  # (71.429 + 100) / 2


def test_without_meddpicc_fields_or_contact_roles_qualification_is_null_not_zero():
    # int_deal_facts: no MEDDPICC field anywhere -> completeness null; neither MEDDPICC nor
    # contact roles -> champion and economic buyer null on every deal
    absent = evidence(users=[user("R1")], deals=[
        *[{**d, "has_champion": None, "has_economic_buyer": None} for d in CLOSED],
        *opens(meddpicc_completeness=None, has_champion=None, has_economic_buyer=None)])
    present = evidence(users=[user("R1")], deals=[*CLOSED, *opens(meddpicc_completeness=0.0)])
    got_absent, got_present = components_of(absent, "R1"), components_of(present, "R1")
    assert (got_absent["meddpicc_completeness"], got_absent["champion_and_eb_rate"]) == (
        (None, 0, None), (None, 0, None))
    # present, and nothing filled: a true 0 over the three open deals and the seven deals
    assert (got_present["meddpicc_completeness"], got_present["champion_and_eb_rate"]) == (
        (0.0, 3, 0.0), (0.0, 7, 0.0))
    # early disqualification (from the deals, always there): 0 of 3 lost within 30 days
    assert got_absent["early_disqualification_rate"] == got_present["early_disqualification_rate"] == (0.0, 3, 0.0)
    qualification = rows_of(assess_week_checked(absent), "R1")["qualification"]
    assert [c["component"] for c in json.loads(qualification["components"]) if c["score"] is not None] == [
        "early_disqualification_rate"]


def test_one_buying_role_source_is_enough():
    # champion known (a contact role or the field) where the economic buyer is not: the deal
    # counts on the flag it has (half-point rule over the known flags)
    ev = evidence(users=[user("R1")], deals=[
        deal("O1", "R1", 20, -30, "open", has_champion=True, has_economic_buyer=None),
        deal("O2", "R1", 20, -30, "open", has_champion=False, has_economic_buyer=None),
        deal("O3", "R1", 20, -30, "open", has_champion=True, has_economic_buyer=False),
        deal("O4", "R1", 20, -30, "open", has_champion=None, has_economic_buyer=None),
    ])
    # O1 1, O2 0, O3 0.5, O4 unknown -> 1.5 / 3 = 0.5 -> 100 x 0.5 / 0.75
    assert components_of(ev, "R1")["champion_and_eb_rate"] == (0.5, 3, 66.667)


CONVERSATION = ["questions_per_call", "longest_customer_story_s", "patience_s", "scorecard_discovery",
                "longest_monologue_s", "talk_ratio", "scorecard_presentation", "scorecard_objection_handling",
                "objection_calls_with_next_steps", "next_steps_call_share", "scorecard_closing"]


def test_without_gong_calls_the_conversation_components_are_null():
    ev = evidence(users=[user("R1"), user("R9")], deals=CLOSED,
                  calls=[call(f"c{i}", "R9", i, questions_company_count=12) for i in (1, 2, 3)])
    got = components_of(ev, "R1")
    assert [got[c] for c in CONVERSATION] == [(None, 0, None)] * len(CONVERSATION)
    r1 = rows_of(assess_week_checked(ev), "R1")
    assert [r1[s]["score"] for s in ("discovery", "presentation", "objection_handling")] == [None, None, None]
    # R9's calls are measured (12 questions -> 100)
    assert components_of(ev, "R9")["questions_per_call"] == (12.0, 3, 100.0)

