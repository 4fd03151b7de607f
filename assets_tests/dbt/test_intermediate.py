"""The intermediate layer on a hand-made landing zone: the user hierarchy, fiscal quarters,
activity classification, Gong call links, deal facts and daily quota, with every expected
value worked out by hand from the contracts (as_of = 2025-03-15 unless said otherwise)."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest

from ..landing import gong_call, party, write_activities, write_crm, write_gong_page
from ..warehouse import dbt, load_raw, query, query_dicts

# The module fixture builds once: its tests stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("intermediate")

D = dt.date
AS_OF = D(2025, 3, 15)

# Users: an SLM, a manager, and sellers whose role / manager come from different places.
U_SLM, U_MGR, U_AE, U_CSM = "005SLM000000000AAA", "005MGR000000000AAA", "005AE0000000000AAA", "005CSM000000000AAA"
U_SDR, U_AM, U_OPS = "005SDR000000000AAA", "005AM0000000000AAA", "005OPS000000000AAA"
R_VP, R_MGR, R_AE, R_CSM, R_BDR, R_AM = (f"00E000000000{n}AAA" for n in ("0VP", "MGR", "0AE", "CSM", "BDR", "0AM"))
# Gong users (ids as text, 18 digits)
G_ANN, G_SID, G_MIA = "234599484848400001", "234599484848400002", "234599484848400003"

A1, A2 = "001000000000001AAA", "001000000000002AAA"
C1, C2, C3, C4 = (f"003000000000{n}AAA" for n in ("C01", "C02", "C03", "C04"))
LEAD1 = "00Q000000000001AAA"
O1, O2, O3, O4, O5, O6 = (f"006000000000{n}AAA" for n in ("O01", "O02", "O03", "O04", "O05", "O06"))
P1 = "026000000000001AAA"


def user(uid, name, email, role_id="", role_field="", manager=""):
    return {"Id": uid, "Name": name, "Email": email, "IsActive": "true", "ManagerId": manager,
            "UserRoleId": role_id, "Sales_Role__c": role_field}


def opp(oid, name, account, created, close, closed=False, won=False, amount="10000", **fields):
    return {"Id": oid, "AccountId": account, "OwnerId": U_AE, "Name": name, "StageName": "Stage",
            "Amount": amount, "CloseDate": close, "CreatedDate": f"{created}T09:00:00Z",
            "IsClosed": str(closed).lower(), "IsWon": str(won).lower(), **fields}


def task(tid, subtype, date, what="", who="", created=None):
    return {"Id": tid, "OwnerId": U_AE, "ActivityDate": date, "CreatedDate": created or f"{date}T12:00:00Z",
            "TaskSubtype": subtype, "WhatId": what, "WhoId": who}


def event(eid, type_, subject, start, what="", who="", owner=U_AE):
    return {"Id": eid, "OwnerId": owner, "StartDateTime": start, "Type": type_, "Subject": subject,
            "WhatId": what, "WhoId": who}


def write_landing(landing):
    write_crm(landing, "User", [
        user(U_SLM, "Sam Slm", "sam@vendor.example", R_VP),
        user(U_MGR, "Mia Manager", "mia@vendor.example", R_MGR, manager=U_SLM),
        # role field wins, matched case-insensitively
        user(U_AE, "Ann Ae", "ann@vendor.example", R_AE, role_field="ae", manager=U_MGR),
        # no role field: 'Customer Success Manager' must be CSM (its pattern comes before Manager)
        user(U_CSM, "Cid Csm", "cid@vendor.example", R_CSM, manager=U_MGR),
        # role field holds no known role -> UserRole 'BDR Team' -> SDR; no ManagerId -> Gong
        user(U_SDR, "Sid Sdr", "sid@vendor.example", R_BDR, role_field="Sales Engineer"),
        # 'Account Manager West' -> AM (before Manager); no manager anywhere -> team none|AM
        user(U_AM, "Al Am", "al@vendor.example", R_AM),
        # no role field, no UserRole -> no role
        user(U_OPS, "Olga Ops", "olga@vendor.example"),
    ])
    write_crm(landing, "UserRole", [
        {"Id": R_VP, "Name": "VP Sales"}, {"Id": R_MGR, "Name": "Sales Manager"},
        {"Id": R_AE, "Name": "Account Executive"}, {"Id": R_CSM, "Name": "Customer Success Manager"},
        {"Id": R_BDR, "Name": "BDR Team"}, {"Id": R_AM, "Name": "Account Manager West"},
    ])
    write_crm(landing, "Account", [{"Id": A1, "Name": "Acme"}, {"Id": A2, "Name": "Beta"}])
    write_crm(landing, "Contact", [
        {"Id": C1, "AccountId": A1, "LastName": "Cy", "Email": "cy@acme.example"},
        {"Id": C2, "AccountId": A1, "LastName": "Dee", "Email": "dee@acme.example"},
        {"Id": C3, "AccountId": A2, "LastName": "Eve", "Email": "eve@beta.example"},
        {"Id": C4, "AccountId": A1, "LastName": "Fay", "Email": "fay@acme.example"},
    ])
    write_crm(landing, "Opportunity", [
        # Champion field filled, Metrics filled, Identify_Pain blank -> meddpicc_filled 2
        opp(O1, "Acme Platform", A1, "2025-01-10", "2025-04-30", Champion__c="Cy",
            Metrics__c="20% faster", Identify_Pain__c="   "),
        opp(O2, "Acme Expansion", A1, "2025-02-01", "2025-03-31"),
        opp(O3, "Beta Deal", A2, "2024-11-01", "2025-01-31", closed=True, won=True,
            Economic_Buyer__c="CFO"),
        opp(O4, "Acme Old", A1, "2025-01-20", "2025-02-28"),
        # closed lost with a close date BEFORE it was created
        opp(O5, "Acme Lost", A1, "2025-02-15", "2025-02-10", closed=True),
        # created after as_of: not a deal yet
        opp(O6, "Acme Future", A1, "2025-03-20", "2025-06-30"),
    ])
    write_crm(landing, "OpportunityContactRole", [
        {"Id": "00K000000000001AAA", "OpportunityId": O1, "ContactId": C1, "Role": "Business User"},
        {"Id": "00K000000000002AAA", "OpportunityId": O1, "ContactId": C2, "Role": "Economic Buyer"},
        {"Id": "00K000000000003AAA", "OpportunityId": O2, "ContactId": C4, "Role": "champion"},
        {"Id": "00K000000000004AAA", "OpportunityId": O4, "ContactId": C4, "Role": "Evaluator"},
        {"Id": "00K000000000005AAA", "OpportunityId": O5, "ContactId": C4, "Role": "Decision Maker"},
        {"Id": "00K000000000006AAA", "OpportunityId": O6, "ContactId": C4, "Role": "Evaluator"},
    ])
    write_crm(landing, "Task", [
        task("00T000000000001AAA", "Call", "2025-01-12", what=O1, who=C1),
        task("00T000000000002AAA", "Email", "2025-02-01", what=O1, who=C4),
        task("00T000000000003AAA", "ListEmail", "2025-02-03", what=A1),  # WhatId is an account
        task("00T000000000004AAA", "LinkedIn", "2025-02-04"),
        task("00T000000000005AAA", "Task", "2025-03-20", what=O1, who=C3),  # after as_of
        # no subtype, no ActivityDate: date of CreatedDate in UTC (23:30 -08:00 -> Feb 6)
        task("00T000000000006AAA", "", "", created="2025-02-05T23:30:00-08:00"),
    ])
    write_crm(landing, "Event", [
        # two days BEFORE O1 was created
        event("00U000000000001AAA", "Meeting", "Intro call", "2025-01-08T16:00:00Z", what=O1, who=LEAD1),
        event("00U000000000002AAA", "", "Product DEMO for Acme", "2025-02-10T15:00:00Z", what=O1),
        event("00U000000000003AAA", "Demo", "Deep dive", "2025-02-20T15:00:00Z", what=O2),
        event("00U000000000004AAA", "Meeting", "Weekly sync", "2025-03-14T09:00:00Z", owner=U_CSM),
    ])
    write_crm(landing, "ForecastingQuota", [
        {"QuotaOwnerId": U_AE, "StartDate": "2025-01-01", "QuotaAmount": "90000", "PeriodId": P1},
        {"QuotaOwnerId": U_AE, "StartDate": "2025-02-01", "QuotaAmount": "8900", "PeriodId": ""},
        {"QuotaOwnerId": U_AE, "StartDate": "2025-04-01", "QuotaAmount": "50000", "PeriodId": ""},
        {"QuotaOwnerId": U_CSM, "StartDate": "2024-10-01", "QuotaAmount": "92000", "PeriodId": ""},
    ])
    write_crm(landing, "Period", [{"Id": P1, "StartDate": "2025-01-01", "EndDate": "2025-03-31", "Type": "Quarter"}])

    write_gong_page(landing, "users_0001.json", "users", [
        {"id": G_ANN, "emailAddress": "ANN@vendor.example", "firstName": "Ann", "lastName": "Ae", "active": True},
        # Sid's Gong manager is Mia, whose Gong email differs in case from Salesforce's
        {"id": G_SID, "emailAddress": "SID@Vendor.example", "firstName": "Sid", "lastName": "Sdr",
         "managerId": G_MIA, "active": True},
        {"id": G_MIA, "emailAddress": "MIA@VENDOR.EXAMPLE", "firstName": "Mia", "lastName": "Manager",
         "active": True},
    ])
    no_email_party = {"id": "p-anon", "name": "Anonymous dial-in", "affiliation": "External", "speakerId": "s-anon"}
    internal_ann = party("ann@vendor.example", affiliation="Internal", user_id=G_ANN)
    write_gong_page(landing, "calls_0001.json", "calls", [
        # linked through context
        gong_call("7000000000000000001", "2025-03-01T17:00:00Z", G_ANN, opportunity_id=O1, account_id=A1,
                  parties=[internal_ann, party("cy@ACME.example"), party("zed@partner.example"), no_email_party],
                  talk_ratio=0.4, questions=7, trackers={"Next Steps": 3, "Pricing": 0, "Competitors": 1}),
        # no context: fay@acme.example is C4, whose open deals of Ann are O2 (created Feb 1)
        # and O4 (Jan 20); O5 is closed, O6 created after as_of -> O2
        gong_call("7000000000000000002", "2025-03-05T14:00:00Z", G_ANN,
                  parties=[internal_ann, party("fay@acme.example"), party("gus@acme.example")]),
        # Internal call linked to the won deal O3
        gong_call("7000000000000000003", "2025-01-15T10:00:00Z", G_ANN, scope="Internal", opportunity_id=O3,
                  account_id=A2, parties=[internal_ann, party("cid@vendor.example", affiliation="Internal")]),
        # Sid's call: fay is a contact, but on deals Sid does not own -> unlinked
        gong_call("7000000000000000004", "2025-03-10T09:00:00Z", G_SID,
                  parties=[party("hal@nowhere.example"), party("fay@acme.example")]),
        # after as_of
        gong_call("7000000000000000005", "2025-03-16T09:00:00Z", G_ANN, opportunity_id=O1),
    ])
    write_activities(landing, [
        {"activity_id": "L1", "source": "outreach", "rep_email": "ANN@Vendor.Example", "activity_type": "Meeting",
         "occurred_at": "2025-03-10T13:00:00Z", "opportunity_id": O1, "contact_id": C3},
        {"activity_id": "L2", "source": "outreach", "rep_id": U_AE, "activity_type": "call",
         "occurred_at": "2025-03-16T13:00:00Z", "opportunity_id": O1},
        {"activity_id": "L3", "source": "dialer", "rep_id": U_SDR, "activity_type": "voicemail",
         "occurred_at": "2025-03-02T08:00:00Z"},
        {"activity_id": "L4", "source": "outreach", "rep_email": "nobody@vendor.example", "activity_type": "EMAIL",
         "occurred_at": "2025-03-03T08:00:00Z"},
    ])


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    """The main build (as_of 2025-03-15), then two copies rebuilt with other vars:
    fiscal year starting in February, and as_of left to its default."""
    base = tmp_path_factory.mktemp("intermediate")
    write_landing(base / "landing")
    main = base / "main.duckdb"
    load_raw(base / "landing", main)
    # cautious: the marts' tests on intermediate models are not run (their models are not built)
    dbt(["build", "--select", "staging intermediate", "--indirect-selection", "cautious"], main, AS_OF)
    fiscal_feb = base / "fiscal_feb.duckdb"
    shutil.copy(main, fiscal_feb)
    dbt(["build", "--select", "int_as_of int_fiscal_quarters", "--indirect-selection", "cautious"], fiscal_feb,
        AS_OF, extra_vars={"fiscal_year_start_month": 2})
    default_as_of = base / "default_as_of.duckdb"
    shutil.copy(main, default_as_of)
    dbt(["build", "--select", "int_as_of", "--indirect-selection", "cautious"], default_as_of, None)
    return {"main": main, "fiscal_feb": fiscal_feb, "default_as_of": default_as_of}


@pytest.fixture(scope="module")
def wh(warehouses):
    return warehouses["main"]


def rows_by(warehouse, model, key, columns):
    rows = query_dicts(warehouse, f"select {key}, {', '.join(columns)} from intermediate.{model}")
    return {r.pop(key): r for r in rows}


def test_as_of_is_the_var_else_the_latest_event(warehouses):
    assert query(warehouses["main"], "select as_of, as_of_source from intermediate.int_as_of") == [(AS_OF, "var")]
    # latest of: Task 5 on 2025-03-20, activity log L2 and call 5 on 2025-03-16
    assert query(warehouses["default_as_of"], "select as_of, as_of_source from intermediate.int_as_of") == [
        (D(2025, 3, 20), "latest_event")]


def test_users_role_manager_slm_and_team(wh):
    cols = ["role", "role_source", "is_seller", "manager_id", "manager_source", "manager_name", "slm_id",
            "slm_name", "gong_user_id", "team_id"]
    got = rows_by(wh, "int_users", "user_id", cols)
    expected = {
        U_SLM: ("MANAGER", "user_role", False, None, None, None, None, None, None, None),
        U_MGR: ("MANAGER", "user_role", False, U_SLM, "salesforce", "Sam Slm", None, None, G_MIA, None),
        U_AE: ("AE", "role_field", True, U_MGR, "salesforce", "Mia Manager", U_SLM, "Sam Slm", G_ANN, f"{U_MGR}|AE"),
        U_CSM: ("CSM", "user_role", True, U_MGR, "salesforce", "Mia Manager", U_SLM, "Sam Slm", None, f"{U_MGR}|CSM"),
        # manager from Gong: SID's managerId G_MIA -> MIA@VENDOR.EXAMPLE -> mia@vendor.example
        U_SDR: ("SDR", "user_role", True, U_MGR, "gong", "Mia Manager", U_SLM, "Sam Slm", G_SID, f"{U_MGR}|SDR"),
        U_AM: ("AM", "user_role", True, None, None, None, None, None, None, "none|AM"),
        U_OPS: (None, None, False, None, None, None, None, None, None, None),
    }
    assert got == {k: dict(zip(cols, v, strict=True)) for k, v in expected.items()}


def test_fiscal_quarters_default_january(wh):
    cols = ["fiscal_quarter", "fiscal_year", "quarter_number", "quarter_start", "quarter_end", "window_end",
            "is_current_quarter", "days_in_quarter", "elapsed_days", "fiscal_year_start"]
    got = query(wh, f"select {', '.join(cols)} from intermediate.int_fiscal_quarters order by quarter_start")
    # earliest: Cid's quota starting 2024-10-01 (earlier than the earliest close date, O3's
    # 2025-01-31); elapsed days of 2025-Q1: 31 + 28 + 15 = 74
    assert got == [
        ("2024-Q4", 2024, 4, D(2024, 10, 1), D(2024, 12, 31), D(2024, 12, 31), False, 92, 92, D(2024, 1, 1)),
        ("2025-Q1", 2025, 1, D(2025, 1, 1), D(2025, 3, 31), AS_OF, True, 90, 74, D(2025, 1, 1)),
    ]


def test_fiscal_quarters_year_starting_in_february(warehouses):
    cols = ["fiscal_quarter", "fiscal_year", "quarter_number", "quarter_start", "quarter_end", "window_end",
            "is_current_quarter", "days_in_quarter", "elapsed_days", "fiscal_year_start"]
    got = query(warehouses["fiscal_feb"],
                f"select {', '.join(cols)} from intermediate.int_fiscal_quarters order by quarter_start")
    # FY2025 = Feb 2024 - Jan 2025 (named by the year it ends in). 2024-10-01 lies in its Q3
    # (Aug-Oct). Current quarter Feb-Apr 2025 of FY2026: 28 + 31 + 30 = 89 days, elapsed 28 + 15 = 43.
    assert got == [
        ("2025-Q3", 2025, 3, D(2024, 8, 1), D(2024, 10, 31), D(2024, 10, 31), False, 92, 92, D(2024, 2, 1)),
        ("2025-Q4", 2025, 4, D(2024, 11, 1), D(2025, 1, 31), D(2025, 1, 31), False, 92, 92, D(2024, 2, 1)),
        ("2026-Q1", 2026, 1, D(2025, 2, 1), D(2025, 4, 30), AS_OF, True, 89, 43, D(2025, 2, 1)),
    ]


def test_activities_classified_per_origin(wh):
    cols = ["origin", "rep_id", "activity_date", "activity_type", "opportunity_id", "contact_id"]
    got = rows_by(wh, "int_activities", "activity_key", cols)
    expected = {
        "task:00T000000000001AAA": ("task", U_AE, D(2025, 1, 12), "call", O1, C1),
        "task:00T000000000002AAA": ("task", U_AE, D(2025, 2, 1), "email", O1, C4),
        "task:00T000000000003AAA": ("task", U_AE, D(2025, 2, 3), "email", None, None),  # WhatId = account
        "task:00T000000000004AAA": ("task", U_AE, D(2025, 2, 4), "social", None, None),
        "task:00T000000000006AAA": ("task", U_AE, D(2025, 2, 6), "task", None, None),
        "event:00U000000000001AAA": ("event", U_AE, D(2025, 1, 8), "meeting", O1, LEAD1),
        "event:00U000000000002AAA": ("event", U_AE, D(2025, 2, 10), "demo", O1, None),  # Subject 'DEMO'
        "event:00U000000000003AAA": ("event", U_AE, D(2025, 2, 20), "demo", O2, None),  # Type Demo
        "event:00U000000000004AAA": ("event", U_CSM, D(2025, 3, 14), "meeting", None, None),
        # rep_email matched case-insensitively
        "activity_log:outreach:L1": ("activity_log", U_AE, D(2025, 3, 10), "meeting", O1, C3),
        "activity_log:dialer:L3": ("activity_log", U_SDR, D(2025, 3, 2), "other", None, None),
        "activity_log:outreach:L4": ("activity_log", None, D(2025, 3, 3), "email", None, None),
        # Task 5 (2025-03-20) and L2 (2025-03-16) are after as_of
    }
    assert got == {k: dict(zip(cols, v, strict=True)) for k, v in expected.items()}
    started = dict(query(wh, "select activity_key, started_at from intermediate.int_activities "
                             "where activity_key in ('task:00T000000000001AAA', 'event:00U000000000001AAA')"))
    assert started == {"task:00T000000000001AAA": None, "event:00U000000000001AAA": dt.datetime(2025, 1, 8, 16)}


def test_gong_calls_rep_links_and_trackers(wh):
    cols = ["rep_id", "call_date", "is_external", "opportunity_id", "link_method", "account_id"]
    got = rows_by(wh, "int_gong_calls", "call_id", cols)
    expected = {
        "7000000000000000001": (U_AE, D(2025, 3, 1), True, O1, "context", A1),
        "7000000000000000002": (U_AE, D(2025, 3, 5), True, O2, "contact_fallback", A1),  # account of O2
        "7000000000000000003": (U_AE, D(2025, 1, 15), False, O3, "context", A2),
        "7000000000000000004": (U_SDR, D(2025, 3, 10), True, None, None, None),
        # call 5 is after as_of
    }
    assert got == {k: dict(zip(cols, v, strict=True)) for k, v in expected.items()}
    trackers = query(wh, "select tracker_next_steps, tracker_pricing, tracker_competitor, tracker_objection, "
                         "talk_ratio, questions_company_count from intermediate.int_gong_calls "
                         "where call_id = '7000000000000000001'")
    # Objections is not listed on the call -> null; Pricing listed with 0 -> 0
    assert trackers == [(3, 0, 1, None, 0.4, 7)]


def test_deal_facts(wh):
    cols = ["deal_status", "stakeholder_count", "first_meeting_date", "days_to_meeting", "has_champion",
            "has_economic_buyer", "meddpicc_filled", "meddpicc_completeness", "last_touch_date",
            "days_since_last_touch", "age_days", "sales_cycle_days", "close_date_passed"]
    got = rows_by(wh, "int_deal_facts", "opportunity_id", cols)
    expected = {
        # stakeholders {C1, C2 (contact roles), C4 (task WhoId), LEAD1 (event WhoId),
        # zed@partner.example (call party without contact)}: cy@ACME.example is C1 again, the
        # party without email and L1's contact C3 do not count, Task 5 (WhoId C3) is after as_of.
        # First meeting: event 1 on Jan 8, two days before creation -> clamped to 0.
        # Last touch: L1 on Mar 10 (Task 5 and L2 are after as_of) -> 5 days.
        # Age: Jan 10 -> Mar 15 = 21 + 28 + 15 = 64.
        O1: ("open", 5, D(2025, 1, 8), 0, True, True, 2, 0.25, D(2025, 3, 10), 5, 64, None, False),
        # stakeholders {C4 (contact role and fay on call 2), gus@acme.example}; first meeting the
        # demo Feb 20 (call 2 on Mar 5 later): 19 days; champion by contact role 'champion';
        # last touch call 2 on Mar 5 -> 10 days; age Feb 1 -> Mar 15 = 28 + 14 = 42
        O2: ("open", 2, D(2025, 2, 20), 19, True, False, 0, 0.0, D(2025, 3, 5), 10, 42, None, False),
        # internal call only: a touch (Jan 15 -> 16 + 28 + 15 = 59 days) but not a meeting and no
        # stakeholder; economic buyer by field; cycle Nov 1 -> Jan 31 = 30 + 31 + 30 = 91;
        # age Nov 1 -> Mar 15 = 30 + 31 + 31 + 28 + 14 = 134
        O3: ("won", 0, None, None, False, True, 1, 0.125, D(2025, 1, 15), 59, 134, 91, False),
        # open, close date Feb 28 passed; age Jan 20 -> Mar 15 = 11 + 28 + 15 = 54
        O4: ("open", 1, None, None, False, False, 0, 0.0, None, None, 54, None, True),
        # closed before created: cycle max(0, -5) = 0; age Feb 15 -> Mar 15 = 28
        O5: ("lost", 1, None, None, False, False, 0, 0.0, None, None, 28, 0, False),
        # O6 was created after as_of
    }
    assert got == {k: dict(zip(cols, v, strict=True)) for k, v in expected.items()}


def test_quota_periods_cover_their_period_or_the_default_length(wh):
    rows = query(wh, "select rep_id, coverage_start, coverage_end, coverage_days, quota_amount, has_period "
                     "from intermediate.int_quota_periods order by rep_id, coverage_start")
    # Ann: Period Jan 1 - Mar 31 (90 days) of 90000; the PeriodId-less 8900 from Feb 1 covers
    # 3 months, Feb 1 - Apr 30 = 28 + 31 + 30 = 89 days; the quota starting Apr 1 is after as_of.
    # Cid: 92000 over Oct 1 - Dec 31 (92 days).
    ann = [r[1:] for r in rows if r[0] == U_AE]
    assert ann == [(D(2025, 1, 1), D(2025, 3, 31), 90, Decimal("90000.00"), True),
                   (D(2025, 2, 1), D(2025, 4, 30), 89, Decimal("8900.00"), False)]
    assert [r[1:5] for r in rows if r[0] == U_CSM] == [(D(2024, 10, 1), D(2024, 12, 31), 92, Decimal("92000.00"))]



def test_rep_quarter_deals_quota_and_calls(wh):
    """The per-rep-quarter aggregates rep_performance reads (every deal is Ann's, 10000 each)."""
    deals = query_dicts(wh, "select * from intermediate.int_rep_quarter_deals order by rep_id, fiscal_quarter")
    # 2025-Q1 (window Jan 1 - Mar 15): O3 won Jan 31 (cycle 91, no stakeholder, economic buyer)
    # and O5 lost Feb 10 (1 stakeholder) closed in the window; O2 (Mar 31) and O4 (Feb 28,
    # passed) are open with a close date in the quarter; O1 closes Apr 30, in no quarter yet.
    # 2024-Q4 holds no close date: no row.
    assert deals == [{
        "rep_id": U_AE, "fiscal_quarter": "2025-Q1", "closed_won_amount": Decimal("10000.00"), "won_count": 1,
        "lost_count": 1, "avg_deal_size": Decimal("10000.00"), "avg_sales_cycle_days": 91.0,
        "avg_stakeholders": 0.5, "avg_days_to_meeting": None, "champion_identification_rate": 0.0,
        "economic_buyer_rate": 0.5, "ytd_closed_won_amount": Decimal("10000.00"),
        "open_pipeline_amount": Decimal("20000.00"),
    }]
    # Ann 2025-Q1: 90000 x 90/90 + 8900 x 59/89 (Feb 1 - Mar 31) = 95900; year to date
    # (Jan 1 - Mar 15): 90000 x 74/90 + 8900 x 43/89 = 74000 + 4300. Cid's quota ends Dec 31.
    assert query(wh, "select rep_id, fiscal_quarter, quota_amount, ytd_quota_amount "
                     "from intermediate.int_rep_quarter_quota order by rep_id, fiscal_quarter") == [
        (U_AE, "2025-Q1", Decimal("95900.00"), Decimal("78300.00")),
        (U_CSM, "2024-Q4", Decimal("92000.00"), Decimal("92000.00")),
    ]
    # External calls on or before as_of: Ann's calls 1 (talk 0.4, 7 questions) and 2 (no
    # stats), Sid's call 4; call 3 is Internal.
    assert query(wh, "select rep_id, fiscal_quarter, calls_count, avg_talk_ratio, avg_questions_per_call, "
                     "avg_longest_monologue_s, avg_patience_s "
                     "from intermediate.int_rep_quarter_calls order by rep_id, fiscal_quarter") == [
        (U_AE, "2025-Q1", 2, 0.4, 7.0, None, None),
        (U_SDR, "2025-Q1", 1, None, None, None, None),
    ]


def test_contacts_contact_roles_and_call_accounts(wh):
    roles = query(wh, "select opportunity_contact_role_id, is_economic_buyer_role, is_champion_role "
                      "from intermediate.int_deal_contact_roles order by 1")
    # 'Economic Buyer' and 'champion' match the default lists whatever their case.
    assert roles == [("00K000000000001AAA", False, False), ("00K000000000002AAA", True, False),
                     ("00K000000000003AAA", False, True), ("00K000000000004AAA", False, False),
                     ("00K000000000005AAA", False, False), ("00K000000000006AAA", False, False)]
    # No Name delivered: "First Last" with only a last name.
    assert query(wh, "select contact_id, contact_name from intermediate.int_contacts order by 1") == [
        (C1, "Cy"), (C2, "Dee"), (C3, "Eve"), (C4, "Fay")]
    # Call 1: context A1 (and O1's A1); call 2: its fallback deal O2's A1; call 3: context A2
    # (and O3's A2); call 4 has neither; call 5 is after as_of.
    assert query(wh, "select call_id, account_id from intermediate.int_gong_call_accounts order by 1, 2") == [
        ("7000000000000000001", A1), ("7000000000000000002", A1), ("7000000000000000003", A2)]


def test_users_by_email_and_the_fallback_zone(wh):
    by_email = dict(query(wh, "select email_lower, user_id from intermediate.int_users_by_email"))
    assert by_email["ann@vendor.example"] == U_AE and len(by_email) == 7
    # No Organization delivered: the configured default.
    assert query(wh, "select time_zone, time_zone_source from intermediate.int_fallback_time_zone") == [
        ("UTC", "default")]
