"""The hand-written orgs of the "not delivered is not zero" tests (issue 19, point 5), with
every number the tests check worked out by hand from the contracts. as_of = 2025-06-30
(a Monday: the weekly assessment of that date sees the deals closed 04-01..06-29).

Three landing zones of one org: manager M1, AEs A1 (Ann) and A2 (Ben), account Acme, the
same deals and the same Tasks and Events (WhatId = the deal, no WhoId), no quota:

- `crm_only`: the real CRM-only shape. No OpportunityContactRole, no MEDDPICC field (the
  Opportunity extract has no such column at all), no OpportunityFieldHistory, no
  OpportunityHistory, no Gong page, no activity log.
- `delivered`: the same plus one record of each of those sources, none of them on A1's
  deals: a Champion contact role and a filled Metrics__c on A2's lost deal L5, a CloseDate
  change (a slip) on A2's L3, one External Gong call of A2 linked to no deal, one
  activity-log row of A2 (a sequence step). A1's deals truly have none: their zeros stay
  zeros. And the role inputs (issue 20), none of which today's marts read: an
  OpportunityHistory row on L3 without a Probability (the coaching's stage evidence reads
  only rows with one), a line item on A2's won W2, a contract, a cs/ health snapshot and
  onboarding milestone of Acme.
- `bare`: crm_only without the Tasks and Events either: no activity data at all.

| deal | owner | status | amount | created | close | cycle / age on as_of | touched |
|---|---|---|---|---|---|---|---|
| W1 | A1 | won | 10 000 | 03-03 | 04-14 | cycle 42 | |
| L1 | A1 | lost | 10 000 | 03-17 | 05-19 | cycle 63 | |
| L2 | A1 | lost | 10 000 | 04-01 | 06-02 | cycle 62 | |
| L4 | A1 | lost | 10 000 | 04-07 | 06-16 | cycle 70 | |
| O1 | A1 | open | 20 000 | 06-02 | 07-31 | age 28 | Task (Email) 06-22: 8 days |
| O2 | A1 | open | 30 000 | 03-03 | 06-20 (passed 10 days) | age 119 | Task (Call) 06-10: 20 days |
| O3 | A1 | open | 40 000 | 05-01 | 08-29 | age 60 | never |
| W2 | A2 | won | 10 000 | 03-24 | 05-12 | cycle 49 | |
| L5 | A2 | lost | 10 000 | 04-14 | 06-09 | cycle 56 | |
| L3 | A2 | lost | 10 000 | 04-14 | 06-23 | cycle 70 | |
| O4 | A2 | open | 25 000 | 06-16 | 09-30 | age 14 | Event (Meeting) 06-20: 10 days |

Typical won cycle: median(42, 49) = 45.5 days, so velocity_ratio = age / 45.5: O1 0.615
(10 points), O2 2.615 (0), O3 1.319 (10 x (2 - 1.319) = 6.813), O4 0.308 (10).
Recency: 25 x (30 - days) / 23: O1 23.913, O2 10.870, O3 0 (no touch), O4 21.739.
"""

from __future__ import annotations

import datetime as dt

from ..landing import gong_call, party, write_activities, write_crm, write_cs, write_gong_page

AS_OF = dt.date(2025, 6, 30)
WEEK = dt.date(2025, 6, 30)  # the weekly assessment (a Monday)


def sfid(prefix: str, tag: str) -> str:
    return f"{prefix}{tag:0>12}AAA"


M1, A1, A2 = sfid("005", "M1"), sfid("005", "A1"), sfid("005", "A2")
ACME = sfid("001", "ACME")
C1 = sfid("003", "C1")
A2_GONG = "234599484848425002"


def opp(tag: str) -> str:
    return sfid("006", tag)


# (tag, owner, status, amount, created, close)
DEALS = [
    ("W1", A1, "won", 10000, "2025-03-03", "2025-04-14"),
    ("L1", A1, "lost", 10000, "2025-03-17", "2025-05-19"),
    ("L2", A1, "lost", 10000, "2025-04-01", "2025-06-02"),
    ("L4", A1, "lost", 10000, "2025-04-07", "2025-06-16"),
    ("O1", A1, "open", 20000, "2025-06-02", "2025-07-31"),
    ("O2", A1, "open", 30000, "2025-03-03", "2025-06-20"),
    ("O3", A1, "open", 40000, "2025-05-01", "2025-08-29"),
    ("W2", A2, "won", 10000, "2025-03-24", "2025-05-12"),
    ("L5", A2, "lost", 10000, "2025-04-14", "2025-06-09"),
    ("L3", A2, "lost", 10000, "2025-04-14", "2025-06-23"),
    ("O4", A2, "open", 25000, "2025-06-16", "2025-09-30"),
]
OPEN = ("O1", "O2", "O3", "O4")


def _opportunity(tag, owner, status, amount, created, close) -> dict:
    return {"Id": opp(tag), "AccountId": ACME, "OwnerId": owner, "Name": f"Acme {tag}",
            "StageName": {"won": "Closed Won", "lost": "Closed Lost"}.get(status, "Negotiation"),
            "Amount": amount, "CloseDate": close, "CreatedDate": f"{created}T09:00:00Z",
            "IsClosed": str(status != "open").lower(), "IsWon": str(status == "won").lower()}


def write_landing(landing, shape: str) -> None:
    """shape: crm_only, delivered or bare (module docstring)."""
    assert shape in ("crm_only", "delivered", "bare")
    write_crm(landing, "User", [
        {"Id": M1, "Name": "Mia Manager", "Email": "mia@vendor.example", "IsActive": "true",
         "Sales_Role__c": "MANAGER"},
        {"Id": A1, "Name": "Ann One", "Email": "ann@vendor.example", "IsActive": "true", "ManagerId": M1,
         "Sales_Role__c": "AE"},
        {"Id": A2, "Name": "Ben Two", "Email": "ben@vendor.example", "IsActive": "true", "ManagerId": M1,
         "Sales_Role__c": "AE"},
    ])
    write_crm(landing, "Account", [{"Id": ACME, "Name": "Acme"}])
    write_crm(landing, "Contact", [{"Id": C1, "AccountId": ACME, "LastName": "Cy", "Email": "cy@acme.example"}])
    deals = [_opportunity(*d) for d in DEALS]
    if shape == "delivered":
        # the org's MEDDPICC fields exist: one filled on A2's lost deal L5
        next(d for d in deals if d["Id"] == opp("L5"))["Metrics__c"] = "20% faster close"
    write_crm(landing, "Opportunity", deals)
    if shape != "bare":
        write_crm(landing, "Task", [
            {"Id": sfid("00T", "T1"), "OwnerId": A1, "ActivityDate": "2025-06-22", "TaskSubtype": "Email",
             "Subject": "Follow-up", "WhatId": opp("O1")},
            {"Id": sfid("00T", "T2"), "OwnerId": A1, "ActivityDate": "2025-06-10", "TaskSubtype": "Call",
             "Subject": "Check-in", "WhatId": opp("O2")},
        ])
        write_crm(landing, "Event", [
            {"Id": sfid("00U", "E1"), "OwnerId": A2, "StartDateTime": "2025-06-20T15:00:00Z", "Type": "Meeting",
             "Subject": "Scoping", "WhatId": opp("O4"), "AccountId": ACME},
        ])
    if shape != "delivered":
        return
    write_crm(landing, "OpportunityContactRole", [
        {"Id": sfid("00K", "R1"), "OpportunityId": opp("L5"), "ContactId": C1, "Role": "Champion",
         "IsPrimary": "false"},
    ])
    write_crm(landing, "OpportunityFieldHistory", [
        {"Id": sfid("017", "H1"), "OpportunityId": opp("L3"), "Field": "CloseDate",
         "CreatedDate": "2025-05-20T10:00:00Z", "OldValue": "2025-06-02", "NewValue": "2025-06-23"},
    ])
    write_gong_page(landing, "users_0001.json", "users", [
        {"id": A2_GONG, "emailAddress": "ben@vendor.example", "firstName": "Ben", "lastName": "Two", "active": True},
    ])
    write_gong_page(landing, "calls_0001.json", "calls", [
        gong_call("7200000000000000001", "2025-06-18T15:00:00Z", A2_GONG,
                  parties=[party("ben@vendor.example", affiliation="Internal", user_id=A2_GONG),
                           party("buyer@elsewhere.example")],
                  talk_ratio=0.45, questions=12, monologue=90, patience=0.8, trackers={"Next Steps": 1}),
    ])
    write_activities(landing, [
        {"activity_id": "log-1", "source": "outreach", "rep_id": A2, "activity_type": "email",
         "occurred_at": "2025-06-24T10:00:00Z", "sequence_name": "Q2 outbound", "sequence_step": "1",
         "cadence_type": "Cold", "outcome": "Meeting Booked"},
    ])
    write_crm(landing, "OpportunityHistory", [
        {"Id": sfid("008", "OH1"), "OpportunityId": opp("L3"), "StageName": "Negotiation",
         "CreatedDate": "2025-05-20T10:00:00Z"},
    ])
    # 2 x 5 000 less 12.5% = 8 750
    write_crm(landing, "OpportunityLineItem", [
        {"Id": sfid("00k", "LI1"), "OpportunityId": opp("W2"), "Product2Id": sfid("01t", "P1"), "Quantity": "2",
         "UnitPrice": "5000.00", "ListPrice": "5000.00", "TotalPrice": "8750.00", "Discount": "12.5",
         "CurrencyIsoCode": " usd "},
    ])
    write_crm(landing, "Contract", [
        {"Id": sfid("800", "K1"), "AccountId": ACME, "StartDate": "2024-07-01", "EndDate": "2025-06-30",
         "Status": "Activated", "ContractTerm": "12", "OwnerId": A2},
    ])
    write_cs(landing, "health_2025-06.csv", [
        {"account_id": ACME, "snapshot_date": "2025-06-01", "health_score": "74.9", "nps": "30", "arr": "120000.00"},
    ])
    write_cs(landing, "onboarding.csv", [
        {"account_id": ACME, "milestone": "Kickoff", "due_date": "2024-07-15", "completed_date": "2024-07-12",
         "ttv_target_days": "60", "kickoff_date": "2024-07-12", "go_live_date": "2024-08-30"},
    ])
