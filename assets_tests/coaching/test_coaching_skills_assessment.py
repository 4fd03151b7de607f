"""The weekly skill assessment end to end (coaching contract, "Skill scores"): skill and
overall scores from too little evidence and from deals, rounding, who is assessed, and one
read of the evidence from a real warehouse (landing zone -> dbt -> assess_week). The
assessment date is Monday 2025-06-02 (DAY); settings are the defaults of settings.yaml."""

from __future__ import annotations

import json

import duckdb
import polars as pl
import pytest

from coaching_pipeline.coaching.attainment import attainment_at
from coaching_pipeline.coaching.evidence import load_evidence

from ..landing import gong_call, party, write_crm, write_gong_page
from ..warehouse import build_warehouse
from .skills_helpers import (
    CFG,
    DAY,
    D,
    ago,
    assess_week_checked,
    call,
    components_of,
    deal,
    evidence,
    rows_of,
    user,
)

# The module fixture builds once; all the skill modules share one xdist group, so they stay on
# one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("coaching_skills")


def test_too_little_evidence_is_null_and_overall_renormalises():
    ev = evidence(
        users=[user("R2"), user("R3"), user("R5")],
        calls=[
            # R2: two calls only -> every conversation component is null (never 0)
            *[call(f"r2-{i}", "R2", i, questions_company_count=12, talk_ratio=0.45, longest_monologue_s=100,
                   patience_s=0.8, longest_customer_story_s=90, tracker_next_steps=1) for i in (1, 2)],
            # R3: three calls; questions 4, 6, 6.5 (mean 5.5 -> 100 * 5.5 / 11 = 50), story 90 (100),
            # patience 0.8 (100), monologue 225 (100 * 75 / 150 = 50), talk ratio 0.45 (100),
            # next steps on 2 of 3 calls (0.6667 -> 100 * 0.6667 / 0.8 = 83.333), no objection
            *[call(f"r3-{i}", "R3", i, questions_company_count=q, talk_ratio=0.45, longest_monologue_s=225,
                   patience_s=0.8, longest_customer_story_s=90, tracker_next_steps=n)
              for i, q, n in ((1, 4, 1), (2, 6, 2), (3, 6.5, 0))],
            # R5: questions 11 on three calls only the previous week sees (d - 35..33: in
            # [d - 37, d - 8], not in [d - 30, d - 1]), then 4, 6, 6.5 this week
            *[call(f"r5-old{i}", "R5", i, questions_company_count=11) for i in (33, 34, 35)],
            *[call(f"r5-{i}", "R5", i, questions_company_count=q) for i, q in ((1, 4), (2, 6), (3, 6.5))],
        ],
    )
    out = assess_week_checked(ev)
    r2, r3, r5 = rows_of(out, "R2"), rows_of(out, "R3"), rows_of(out, "R5")

    # R2: no skill has a component, so every skill and the overall are null ("insufficient data")
    assert {s: r["score"] for s, r in r2.items()} == dict.fromkeys(r2, None)
    assert r2["discovery"]["level"] is None and r2["discovery"]["gap_detected"] is False
    assert r2["overall"]["evidence_source"] == "[]" and r2["overall"]["weakest_component"] is None
    questions = json.loads(r2["discovery"]["components"])[0]
    assert questions == {"component": "questions_per_call", "value": None, "target_low": 11.0,
                         "target_high": 14.0, "score": None, "evidence_count": 2}

    # R3: discovery mean(50, 100, 100) = 83.3; presentation mean(50, 100) = 75.0; closing = next
    # steps only 83.3; objection_handling, qualification and negotiation have no component.
    # overall = (0.20 * 83.333 + 0.20 * 75 + 0.15 * 83.333) / (0.20 + 0.20 + 0.15) = 80.3
    assert {s: r["score"] for s, r in r3.items()} == {
        "discovery": 83.3, "qualification": None, "presentation": 75.0, "objection_handling": None,
        "negotiation": None, "closing": 83.3, "overall": 80.3}
    assert [(r3[s]["level"], r3[s]["gap_detected"]) for s in ("discovery", "presentation", "overall")] == [
        ("Proficient", False), ("Proficient", False), ("Proficient", False)]
    assert (r3["discovery"]["weakest_component"], r3["discovery"]["weakest_value"],
            r3["discovery"]["weakest_target"]) == ("questions_per_call", 5.5, "11-14")
    assert (r3["presentation"]["weakest_component"], r3["presentation"]["weakest_value"],
            r3["presentation"]["weakest_target"]) == ("longest_monologue_s", 225.0, "0-150")
    assert (r3["overall"]["weakest_component"], r3["overall"]["weakest_value"],
            r3["overall"]["weakest_target"]) == ("presentation", 75.0, "70-100")
    assert r3["overall"]["evidence_source"] == '["gong_calls"]'
    assert r3["qualification"]["evidence_source"] == "[]"
    assert json.loads(r3["presentation"]["components"]) == [
        {"component": "longest_monologue_s", "value": 225.0, "target_low": 0.0, "target_high": 150.0,
         "score": 50.0, "evidence_count": 3},
        {"component": "talk_ratio", "value": 0.45, "target_low": 0.4, "target_high": 0.5, "score": 100.0,
         "evidence_count": 3},
        {"component": "scorecard_presentation", "value": None, "target_low": 100.0, "target_high": 100.0,
         "score": None, "evidence_count": 0},
    ]
    assert json.loads(r3["objection_handling"]["components"])[1] == {
        "component": "objection_calls_with_next_steps", "value": None, "target_low": 0.7, "target_high": 1.0,
        "score": None, "evidence_count": 0}
    # the overall's components are the six skills against the no-gap band 70-100
    assert json.loads(r3["overall"]["components"])[:2] == [
        {"component": "discovery", "value": 83.3, "target_low": 70.0, "target_high": 100.0, "score": 83.3,
         "evidence_count": None},
        {"component": "qualification", "value": None, "target_low": 70.0, "target_high": 100.0, "score": None,
         "evidence_count": None},
    ]
    # no calls the week before -> no trend
    assert r3["discovery"]["trend"] is None

    # R5: discovery is questions only: 50.0 now, 100.0 (11 questions) at d - 7 -> deteriorating;
    # the overall is discovery alone (weights renormalised over one skill)
    assert (r5["discovery"]["score"], r5["discovery"]["trend"]) == (50.0, "deteriorating")
    assert (r5["overall"]["score"], r5["overall"]["trend"], r5["overall"]["severity"]) == (50.0, "deteriorating",
                                                                                           "medium")
    assert r5["presentation"]["trend"] is None
    # AE discovery cohort: R5 50.0, R3 83.3 (R2 null, left out)
    assert (r5["discovery"]["cohort_percentile"], r3["discovery"]["cohort_percentile"],
            r2["discovery"]["cohort_percentile"]) == (0.0, 100.0, None)


def test_deal_components_skills_and_overall():
    deals = [
        # rep A (AE): closed in window W1, W2, W3 won, L1, L2, L3 lost; O1-O3 open
        deal("W1", "A", 100, 50, "won", 10000, has_champion=True, has_economic_buyer=True),
        deal("W2", "A", 80, 20, "won", 30000, has_champion=True, has_economic_buyer=False),
        deal("W3", "A", 90, 45, "won", 20000),
        deal("L1", "A", 60, 30, "lost", 5000),  # cycle 30: disqualified early (<= 30)
        deal("L2", "A", 70, 30, "lost", 5000),  # cycle 40
        deal("L3", "A", 62, 31, "lost", 5000),  # cycle 31
        deal("O1", "A", 20, -30, "open", 1000, meddpicc_completeness=0.5, has_champion=True,
             has_economic_buyer=True),
        deal("O2", "A", 20, -30, "open", 1000, meddpicc_completeness=0.25, has_economic_buyer=True),
        deal("O3", "A", 20, -30, "open", 1000, meddpicc_completeness=0.75),
        # rep B (AE): three wins
        *[deal(f"B{i}", "B", 40, 10, "won", amount) for i, amount in enumerate((40000, 50000, 60000))],
        # rep C (AM): big wins, another role's median
        *[deal(f"C{i}", "C", 40, 10, "won", 1000000) for i in range(3)],
    ]
    stages = [
        {"opportunity_id": "W1", "probability": 60, "created_date": ago(60)},  # late stage (>= 60)
        {"opportunity_id": "W2", "probability": 40, "created_date": ago(30)},
        {"opportunity_id": "W2", "probability": 90, "created_date": ago(0)},  # recorded on d: too late
        {"opportunity_id": "L2", "probability": 70, "created_date": ago(40)},
        {"opportunity_id": "L3", "probability": 60, "created_date": ago(40)},
    ]
    close_dates = [
        # pulled in (earlier): not a slip
        {"opportunity_id": "W1", "field_name": "CloseDate", "old_value": "2025-04-20", "new_value": "2025-04-13",
         "created_date": ago(60)},
        # a later date, but recorded on d (after the evidence window)
        {"opportunity_id": "W2", "field_name": "CloseDate", "old_value": "2025-05-01", "new_value": "2025-06-30",
         "created_date": ago(0)},
        {"opportunity_id": "L2", "field_name": "CloseDate", "old_value": "2025-04-15", "new_value": "2025-05-03",
         "created_date": ago(45)},
        {"opportunity_id": "L3", "field_name": "CloseDate", "old_value": "2025-04-01", "new_value": "2025-05-02",
         "created_date": ago(50)},
    ]
    ev = evidence(users=[user("A"), user("B"), user("C", role="AM")], deals=deals, stages=stages,
                  close_dates=close_dates)
    got = components_of(ev, "A")
    assert {k: v for k, v in got.items() if v[0] is not None} == {
        # open deals 0.5, 0.25, 0.75 -> 0.5 -> 100 * 0.5 / 0.75
        "meddpicc_completeness": (0.5, 3, 66.667),
        # (1 + 0.5 + 0 + 0 + 0 + 0) closed + (1 + 0.5 + 0) open = 3 over 9 deals -> 100 * 0.3333 / 0.75
        "champion_and_eb_rate": (0.3333, 9, 44.444),
        # L1 of the three lost -> 100 * 0.3333 / 0.5
        "early_disqualification_rate": (0.3333, 3, 66.667),
        # late-stage deals W1, L2, L3: one won -> 100 * 0.3333 / 0.6
        "late_stage_win_rate": (0.3333, 3, 55.556),
        # AE won amounts 10k 20k 30k 40k 50k 60k: median 35000; A's mean 20000 -> 0.5714
        # -> 100 * (0.5714 - 0.25) / 0.75
        "deal_size_vs_role_median": (0.5714, 3, 42.857),
        "win_rate": (0.5, 6, 100.0),  # 3 of 6
        # L2, L3 slipped: 4 of 6 kept -> 100 * 0.6667 / 0.8
        "close_date_kept_rate": (0.6667, 6, 83.333),
    }
    assert components_of(ev, "C")["deal_size_vs_role_median"] == (1.0, 3, 100.0)

    out = assess_week_checked(ev)
    a, b = rows_of(out, "A"), rows_of(out, "B")
    # qualification (66.667 + 44.444 + 66.667) / 3 = 59.259; negotiation (55.556 + 42.857) / 2
    # = 49.206; closing (100 + 83.333) / 2 = 91.667; overall: the three equal weights
    # renormalised -> (59.259 + 49.206 + 91.667) / 3 = 66.711
    expected = {
        "discovery": (None, None, False, None, None),
        "qualification": (59.3, "Needs Coaching", True, "medium", "stable"),
        "presentation": (None, None, False, None, None),
        "objection_handling": (None, None, False, None, None),
        "negotiation": (49.2, "Needs Coaching", True, "medium", "stable"),
        "closing": (91.7, "Expert", False, None, "stable"),
        "overall": (66.7, "Developing", True, "low", "stable"),  # d - 7 sees the same deals
    }
    assert {s: (r["score"], r["level"], r["gap_detected"], r["severity"], r["trend"]) for s, r in a.items()} == expected
    weakest = {s: (r["weakest_component"], r["weakest_value"], r["weakest_target"]) for s, r in a.items()
               if r["score"] is not None}
    assert weakest == {
        "qualification": ("champion_and_eb_rate", 0.3333, "0.75-1"),
        "negotiation": ("deal_size_vs_role_median", 0.5714, ">= 1"),
        "closing": ("close_date_kept_rate", 0.6667, "0.8-1"),
        "overall": ("negotiation", 49.2, "70-100"),
    }
    assert a["overall"]["evidence_source"] == '["crm_deals"]'
    assert (a["overall"]["role"], a["overall"]["manager_id"], a["overall"]["assessment_date"]) == ("AE", "MGR", DAY)
    # B: qualification = champion_and_eb 0 (3 closed deals without either); negotiation = deal
    # size 50000 / 35000 -> 100; closing (100 + 100) / 2; overall (0 + 100 + 100) / 3 = 66.7,
    # a tie with A
    assert {s: b[s]["score"] for s in ("qualification", "negotiation", "closing", "overall")} == {
        "qualification": 0.0, "negotiation": 100.0, "closing": 100.0, "overall": 66.7}
    # the tie shares the mid-rank 1.5 of the two: (1.5 - 1) / (2 - 1) = 50 each
    assert [(a[s]["cohort_percentile"], b[s]["cohort_percentile"]) for s in ("qualification", "overall")] == [
        (100.0, 0.0), (50.0, 50.0)]
    # C alone in the AM cohort: no peer, no percentile
    assert rows_of(out, "C")["overall"]["cohort_percentile"] is None


def test_scores_rounded_half_away_from_zero():
    # monologue 206.625 s -> 100 * (300 - 206.625) / 150 = 62.25 exactly: presentation and the
    # overall (presentation alone) show 62.3, not 62.2
    ev = evidence(users=[user("R6")], calls=[call(f"c{i}", "R6", i, longest_monologue_s=206.625) for i in (1, 2, 3)])
    r6 = rows_of(assess_week_checked(ev), "R6")
    assert (r6["presentation"]["score"], r6["overall"]["score"]) == (62.3, 62.3)


def test_assessed_sellers():
    ev = evidence(
        users=[user("ACTIVE"), user("GONE", active=False), user("GONE_RECENT", active=False),
               user("OPS", role=None)],
        calls=[call("c1", "GONE_RECENT", 3), call("c2", "GONE", 45), call("c3", "OPS", 3)],
    )
    out = assess_week_checked(ev)
    # managers and users without a seller role are not assessed; a rep who left is assessed
    # while evidence of theirs is still in the windows
    assert sorted(out["rep_id"].unique()) == ["ACTIVE", "GONE_RECENT"]
    assert out.filter(pl.col("rep_id") == "ACTIVE")["skill"].to_list() == [
        "discovery", "qualification", "presentation", "objection_handling", "negotiation", "closing", "overall"]


# ---------------------------------------------------------------------------------------
# Evidence read from a real warehouse

U_MGR, U_AE, U_AE2 = "005MGR000000000AAA", "005AE0000000001AAA", "005AE0000000002AAA"
G_AE, G_AE2 = "234599484848400001", "234599484848400002"
ACCOUNT = "001000000000001AAA"
OW, OL1, OL2, OOPEN = (f"006000000000{n}AAA" for n in ("0W1", "0L1", "0L2", "0P1"))
SELECT = ("+int_gong_calls +int_deal_facts +int_users +int_quota_periods +stg_gong__scorecard_answers "
          "+stg_gong__scorecard_questions +stg_salesforce__opportunity_history "
          "+stg_salesforce__opportunity_field_history")


def write_landing(landing):
    write_crm(landing, "User", [
        {"Id": U_MGR, "Name": "Mia Manager", "Email": "mia@vendor.example", "IsActive": "true",
         "UserRoleId": "00E00000000000MAAA"},
        {"Id": U_AE, "Name": "Ann Ae", "Email": "ann@vendor.example", "IsActive": "true", "ManagerId": U_MGR,
         "UserRoleId": "00E00000000000AAAA"},
        {"Id": U_AE2, "Name": "Bob Ae", "Email": "bob@vendor.example", "IsActive": "true", "ManagerId": U_MGR,
         "UserRoleId": "00E00000000000AAAA"},
    ])
    write_crm(landing, "UserRole", [{"Id": "00E00000000000MAAA", "Name": "Sales Manager"},
                                    {"Id": "00E00000000000AAAA", "Name": "Account Executive"}])
    write_crm(landing, "Account", [{"Id": ACCOUNT, "Name": "Acme"}])

    def opp(oid, created, close, closed=False, won=False, amount="10000", **fields):
        return {"Id": oid, "AccountId": ACCOUNT, "OwnerId": U_AE, "Name": oid, "StageName": "Stage",
                "Amount": amount, "CloseDate": close, "CreatedDate": f"{created}T09:00:00Z",
                "IsClosed": str(closed).lower(), "IsWon": str(won).lower(), **fields}

    write_crm(landing, "Opportunity", [
        opp(OW, "2025-03-01", "2025-05-15", closed=True, won=True, amount="10000"),
        opp(OL1, "2025-04-20", "2025-05-10", closed=True, amount="5000"),  # cycle 20 days
        opp(OL2, "2025-02-01", "2025-04-30", closed=True, amount="5000"),  # cycle 88 days
        # open: 4 of the 8 MEDDPICC fields -> 0.5
        opp(OOPEN, "2025-05-01", "2025-07-31", Metrics__c="20%", Champion__c="Cy", Economic_Buyer__c="CFO",
            Identify_Pain__c="manual work"),
    ])
    write_crm(landing, "OpportunityHistory", [
        {"Id": "008000000000001AAA", "OpportunityId": OW, "StageName": "Negotiation", "Probability": "70",
         "CreatedDate": "2025-05-01T10:00:00Z"},
        {"Id": "008000000000002AAA", "OpportunityId": OL2, "StageName": "Proposal", "Probability": "60",
         "CreatedDate": "2025-04-01T10:00:00Z"},
        {"Id": "008000000000003AAA", "OpportunityId": OL1, "StageName": "Discovery", "Probability": "20",
         "CreatedDate": "2025-04-21T10:00:00Z"},
    ])
    write_crm(landing, "OpportunityFieldHistory", [
        {"Id": "017000000000001AAA", "OpportunityId": OL1, "Field": "CloseDate", "OldValue": "2025-05-01",
         "NewValue": "2025-05-10", "CreatedDate": "2025-04-30T10:00:00Z"},
        {"Id": "017000000000002AAA", "OpportunityId": OW, "Field": "Amount", "OldValue": "8000",
         "NewValue": "10000", "CreatedDate": "2025-04-30T10:00:00Z"},
    ])
    write_crm(landing, "ForecastingQuota", [
        {"QuotaOwnerId": U_AE, "StartDate": "2025-04-01", "QuotaAmount": "91000", "PeriodId": ""}])
    write_gong_page(landing, "users_0001.json", "users", [
        {"id": G_AE, "emailAddress": "ann@vendor.example", "firstName": "Ann", "lastName": "Ae", "active": True},
        {"id": G_AE2, "emailAddress": "bob@vendor.example", "firstName": "Bob", "lastName": "Ae", "active": True},
    ])
    ann = party("ann@vendor.example", affiliation="Internal", user_id=G_AE)
    calls = [
        gong_call("7000000000000000001", "2025-05-20T15:00:00Z", G_AE, parties=[ann, party("cy@acme.example")],
                  questions=12, talk_ratio=0.45, trackers={"Next Steps": 1}),
        gong_call("7000000000000000002", "2025-05-25T15:00:00Z", G_AE, parties=[ann, party("cy@acme.example")],
                  questions=6, talk_ratio=0.45, trackers={"Next Steps": 2, "Objections": 1}),
        gong_call("7000000000000000003", "2025-05-30T15:00:00Z", G_AE, parties=[ann, party("cy@acme.example")],
                  questions=9, talk_ratio=0.45, trackers={"Next Steps": 0}),
        gong_call("7000000000000000004", "2025-05-28T15:00:00Z", G_AE, scope="Internal", parties=[ann],
                  questions=30),
    ]
    write_gong_page(landing, "calls_0001.json", "calls", calls)
    write_gong_page(landing, "scorecards_0001.json", "scorecards", [
        {"scorecardId": "6843152929075440037", "scorecardName": "AE Call", "enabled": True,
         "updated": "2025-01-01T00:00:00Z",
         "questions": [{"questionId": "35657219295037524478", "questionText": "Discovery: pain uncovered?",
                        "isOverall": False, "minRange": 1, "maxRange": 5}]},
    ])
    write_gong_page(landing, "answered_scorecards_0001.json", "answeredScorecards", [
        {"answeredScorecardId": f"56351525845874{i}", "scorecardId": "6843152929075440037",
         "callId": f"700000000000000000{i}", "callStartTime": "2025-05-20T15:00:00Z", "reviewedUserId": G_AE,
         "reviewerUserId": G_AE2, "reviewTime": "2025-05-31T09:00:00Z",
         "answers": [{"questionId": "35657219295037524478", "isOverall": False, "score": score,
                      "notApplicable": False}]}
        for i, score in ((1, 4), (2, 5), (3, 3))
    ])


@pytest.fixture(scope="module")
def warehouse_evidence(tmp_path_factory):
    base = tmp_path_factory.mktemp("coaching_skills")
    write_landing(base / "landing")
    path = build_warehouse(base / "landing", base / "wh.duckdb", D(2025, 6, 1), SELECT)
    con = duckdb.connect(str(path), read_only=True)
    try:
        return load_evidence(con)
    finally:
        con.close()


def test_evidence_loaded_from_the_warehouse(warehouse_evidence):
    ev = warehouse_evidence
    assert ev.calls.filter(pl.col("rep_id") == U_AE).height == 4
    assert ev.users.filter(pl.col("is_seller"))["user_id"].sort().to_list() == [U_AE, U_AE2]
    # only the CloseDate change is kept from the field history
    assert ev.close_date_history["opportunity_id"].to_list() == [OL1]
    got = components_of(ev, U_AE)
    assert got["questions_per_call"] == (9.0, 3, 81.818)  # (12 + 6 + 9) / 3 -> 100 * 9 / 11; Internal left out
    assert got["next_steps_call_share"] == (0.6667, 3, 83.333)  # 2 of 3 -> 100 * 0.6667 / 0.8
    assert got["patience_s"] == (None, 0, None)  # Gong reported no patience
    assert got["scorecard_discovery"] == (75.0, 3, 75.0)  # (4, 5, 3) on 1-5 -> 75, 100, 50
    assert got["win_rate"] == (0.3333, 3, 95.238)  # 1 of 3 -> 100 * 0.3333 / 0.35
    assert got["close_date_kept_rate"] == (0.6667, 3, 83.333)  # OL1 slipped May 1 -> May 10
    assert got["late_stage_win_rate"] == (None, 2, None)  # OW (70) and OL2 (60) reached 60
    # champion and economic buyer: the open deal has both fields (1), the closed ones neither
    assert got["champion_and_eb_rate"] == (0.25, 4, 33.333)
    out = assess_week_checked(ev)
    ann = rows_of(out, U_AE)
    # discovery: questions 81.818 and scorecard 75 -> 78.409
    assert (ann["discovery"]["score"], ann["discovery"]["evidence_source"]) == (78.4, '["gong_calls", "scorecards"]')
    assert ann["discovery"]["manager_id"] == U_MGR
    # attainment: quota 91000 over Apr 1 - Jun 30 (default 3 months), won 10000 by Jun 1
    att = attainment_at(ev, DAY, CFG, year_start_month=1).filter(pl.col("rep_id") == U_AE).row(0, named=True)
    assert (att["attainment"], att["days_left"]) == (pytest.approx(10000 / 91000), 29)


def test_the_components_a_role_is_judged_on_weigh_double_in_its_skill():
    # Discovery of 3 calls with 12 questions (in 11-14: 100) and a 10 s longest customer story
    # (60-120 s band, zero at 0: 10/60 x 100 = 16.667); patience not given. An AE's discovery is
    # the plain mean (100 + 16.667) / 2 = 58.3; an SDR's weighs question depth double
    # (role_component_weights): (2 x 100 + 16.667) / 3 = 72.2.
    calls = [call(f"C{r}{i}", r, i + 1, questions_company_count=12, longest_customer_story_s=10) for r in ("AE1", "SDR1")
             for i in range(3)]
    ev = evidence(users=[user("AE1"), user("SDR1", role="SDR")], calls=calls)
    out = assess_week_checked(ev).filter(pl.col("skill") == "discovery")
    assert dict(out.select("rep_id", "score").iter_rows()) == {"AE1": 58.3, "SDR1": 72.2}


def test_discount_depth_weighs_each_won_deal_by_its_amount_and_each_item_by_its_list_amount():
    from decimal import Decimal

    # Won deals in the window: W1 (10,000) one item at 50% -> 0.5; W2 (30,000) 100 x 100 at 10%
    # and 100 x 200 without a Discount (none): (0.1 x 10,000 + 0) / 30,000 = 0.0333; W3 (20,000)
    # at 5%. Weighted by amount: (0.5 x 10,000 + 0.0333 x 30,000 + 0.05 x 20,000) / 60,000 = 0.1167,
    # over the 0-10% band, zero at 40%: 100 x (0.40 - 0.1167) / 0.30 = 94.444. The lost deal's
    # 90% discount does not count.
    deals = [deal("W1", "AE1", 60, 10, "won", Decimal("10000")), deal("W2", "AE1", 60, 11, "won", Decimal("30000")),
             deal("W3", "AE1", 60, 12, "won", Decimal("20000")), deal("L1", "AE1", 60, 13, "lost", Decimal("5000"))]
    items = [
        {"opportunity_id": "W1", "quantity": 50, "unit_price_local": Decimal("200"), "discount_share": 0.5},
        {"opportunity_id": "W2", "quantity": 100, "unit_price_local": Decimal("100"), "discount_share": 0.1},
        {"opportunity_id": "W2", "quantity": 100, "unit_price_local": Decimal("200"), "discount_share": None},
        {"opportunity_id": "W3", "quantity": 20, "unit_price_local": Decimal("1000"), "discount_share": 0.05},
        {"opportunity_id": "L1", "quantity": 1, "unit_price_local": Decimal("5000"), "discount_share": 0.9},
    ]
    ev = evidence(users=[user("AE1")], deals=deals, line_items=items)
    assert components_of(ev, "AE1")["discount_depth"] == (0.1167, 3, 94.444)
    # no line items delivered: no value, never a perfect 0% discount
    assert components_of(evidence(users=[user("AE1")], deals=deals), "AE1")["discount_depth"] == (None, 0, None)
