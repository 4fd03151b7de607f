"""The hand-written org of the rep_performance tests: seven AEs and one SDR over two
fiscal quarters (2025-Q1, past, and 2025-Q2, current: as_of 2025-05-14), with every number
the tests check computed by hand from the mart contract.

The org (fiscal year = calendar year, default):
- V1 (VP) manages M1 and M2 (managers). Team M1|AE = A1..A4, team M2|AE = A5..A7, team
  M1|SDR = S1.
- Quotas: Periods Q1 (01-01..03-31, 90 days) and Q2 (04-01..06-30, 91 days). A4's quota has
  no Period: 89 000 from 02-01 covers 02-01..04-30 (3 calendar months, 89 days, 1 000 a
  day): 59 days (59 000) fall in Q1 and 30 days (30 000) in Q2. A6's only quota starts
  06-01, after as_of: ignored. A5 has a Q1 quota only.
- Deals closed in Q1 give the Top 25% of AEs (A1, A2, A3; see the ranks) these means:
  stakeholders 3, days to meeting 8, champion rate 2/3, economic-buyer rate 1,
  win rate 2/3, daily activities 5.
Calendar: the Q1 activity window is 03-02..03-31 (30 days) and holds 21 business days;
2025-03-08 is a Saturday."""

from __future__ import annotations

import datetime as dt

from ..landing import gong_call, party, write_activities, write_crm, write_gong_page

AS_OF = dt.date(2025, 5, 14)
Q1, Q2 = "2025-Q1", "2025-Q2"


def sfid(prefix: str, tag: str) -> str:
    """An 18-character Salesforce-style id: 3-char prefix, tag zero-padded, 'AAA'."""
    return f"{prefix}{tag:0>12}AAA"


USERS = {tag: sfid("005", tag) for tag in ("V1", "M1", "M2", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "S1")}
TAG = {uid: tag for tag, uid in USERS.items()}
ACCOUNT = sfid("001", "AC1")
CONTACTS = [sfid("003", f"C{i}") for i in range(1, 6)]
PERIOD_Q1, PERIOD_Q2 = sfid("026", "PQ1"), sfid("026", "PQ2")

USER_ROWS = [
    # (tag, name, role field, manager tag)
    ("V1", "Vera VP", "MANAGER", ""),
    ("M1", "Mia Manager", "MANAGER", "V1"),
    ("M2", "Mo Manager", "MANAGER", "V1"),
    ("A1", "Ann One", "AE", "M1"),
    ("A2", "Ben Two", "AE", "M1"),
    ("A3", "Cat Three", "AE", "M1"),
    ("A4", "Dan Four", "AE", "M1"),
    ("A5", "Eve Five", "AE", "M2"),
    ("A6", "Fay Six", "AE", "M2"),
    ("A7", "Gus Seven", "AE", "M2"),
    ("S1", "Sam Sdr", "SDR", "M1"),
]

# (tag, owner, status, amount, created, close, stakeholders, first meeting Event, champion, economic buyer)
DEALS = [
    # 2025-Q1 closes
    ("D1", "A1", "won", 60000, "2025-01-06", "2025-02-20", 5, "2025-01-14", True, True),   # cycle 45, meeting +8
    ("D2", "A1", "won", 48000, "2025-01-06", "2025-03-10", 3, "2025-01-18", True, True),   # cycle 63, meeting +12
    ("D3", "A2", "won", 72000, "2025-01-10", "2025-02-28", 4, "2025-01-16", True, True),   # cycle 49, meeting +6
    ("D4", "A2", "lost", 20000, "2025-01-10", "2025-03-05", 2, None, False, True),
    ("D5", "A3", "won", 36000, "2025-02-03", "2025-03-17", 2, None, True, True),           # cycle 42
    ("D6", "A3", "lost", 10000, "2025-02-03", "2025-03-24", 2, None, False, True),
    ("D7", "A4", "won", 29500, "2025-02-03", "2025-03-12", 3, "2025-02-11", True, True),   # cycle 37, meeting +8
    ("D8", "A4", "lost", 15000, "2025-02-03", "2025-03-19", 3, None, True, True),
    ("D9", "A6", "won", 50000, "2025-01-15", "2025-02-14", 3, None, True, True),           # cycle 30
    ("D10", "A6", "won", 30000, "2025-01-15", "2025-03-14", 3, None, True, True),          # cycle 58
    ("D13", "A7", "lost", 15000, "2025-02-03", "2025-03-07", 1, None, True, True),
    ("D19", "M1", "won", 99000, "2025-01-06", "2025-02-10", 1, None, True, True),          # manager: no row
    # open deals and a close after as_of
    ("D11", "A5", "open", 60000, "2025-01-20", "2025-03-20", 0, None, False, False),        # Q1 pipeline
    ("D12", "A5", "open", 25000, "2025-04-01", "2025-06-15", 0, None, False, False),        # Q2 pipeline
    ("D14", "A5", "won", 10000, "2025-03-01", "2025-05-20", 0, None, False, False),         # closes after as_of
    ("D15", "A5", "open", 99000, "2025-05-20", "2025-06-01", 0, None, False, False),        # created after as_of
    # 2025-Q2 closes
    ("D16", "A1", "won", 27300, "2025-04-01", "2025-04-20", 1, None, False, False),        # cycle 19
    ("D17", "A2", "won", 54600, "2025-04-01", "2025-05-02", 2, None, False, False),        # cycle 31
    ("D18", "A4", "won", 30000, "2025-03-03", "2025-04-10", 2, None, False, False),        # cycle 38
]

QUOTAS = [
    # (owner, start, amount, period)
    ("A1", "2025-01-01", 90000, PERIOD_Q1), ("A1", "2025-04-01", 91000, PERIOD_Q2),
    ("A2", "2025-01-01", 90000, PERIOD_Q1), ("A2", "2025-04-01", 91000, PERIOD_Q2),
    ("A3", "2025-01-01", 45000, PERIOD_Q1), ("A3", "2025-04-01", 45500, PERIOD_Q2),
    ("A4", "2025-02-01", 89000, ""),
    ("A5", "2025-01-01", 90000, PERIOD_Q1),
    ("A6", "2025-06-01", 70000, ""),
]


def business_days(first: str, last: str) -> list[str]:
    day, end, out = dt.date.fromisoformat(first), dt.date.fromisoformat(last), []
    while day <= end:
        if day.isoweekday() <= 5:
            out.append(day.isoformat())
        day += dt.timedelta(days=1)
    return out


def log_rows(rep: str, day: str, n: int, activity_type: str = "call") -> list[dict]:
    return [
        {"activity_id": f"{rep}-{day}-{activity_type}-{i}", "source": "dialer", "rep_id": USERS[rep],
         "activity_type": activity_type, "occurred_at": f"{day}T14:00:00Z"}
        for i in range(n)
    ]


MARCH = business_days("2025-03-02", "2025-03-31")  # the 21 business days of the Q1 window


def activity_log() -> list[dict]:
    rows = []
    for day in MARCH:
        rows += log_rows("A1", day, 6) + log_rows("A2", day, 5) + log_rows("A3", day, 4)
        rows += log_rows("A4", day, 5) + log_rows("A5", day, 2)
    rows += log_rows("A1", "2025-03-08", 10)   # Saturday: not a business day
    rows += log_rows("A2", "2025-02-28", 20)   # before the 30-day window
    # A6 starts on 03-04: 20 business-day rows in the window, 4 a day + 1 = 81 activities.
    for day in business_days("2025-03-04", "2025-03-31"):
        rows += log_rows("A6", day, 4)
    rows += log_rows("A6", "2025-03-04", 1, "email")
    rows += log_rows("A7", "2025-03-03", 1, "social")  # rows of zeros from 03-03 on
    return rows


A2_GONG = "234599484848420002"


def gong_calls() -> list[dict]:
    guest = [party("a2@vendor.example", affiliation="Internal", user_id=A2_GONG),
             party("buyer@prospect.example")]
    return [
        gong_call("7100000000000000001", "2025-02-10T15:00:00Z", A2_GONG, parties=guest,
                  talk_ratio=0.4, questions=10, monologue=100, patience=0.5),
        gong_call("7100000000000000002", "2025-02-12T15:00:00Z", A2_GONG, parties=guest,
                  talk_ratio=0.6, monologue=80),  # no questions, no patience
        gong_call("7100000000000000003", "2025-03-05T15:00:00Z", A2_GONG, parties=guest,
                  questions=20),  # no interaction stats at all
        gong_call("7100000000000000004", "2025-02-11T15:00:00Z", A2_GONG, scope="Internal",
                  talk_ratio=0.9, questions=50),  # internal: not counted
        gong_call("7100000000000000005", "2025-04-02T15:00:00Z", A2_GONG, parties=guest, talk_ratio=0.5),
        gong_call("7100000000000000006", "2025-05-20T15:00:00Z", A2_GONG, parties=guest,
                  talk_ratio=0.1),  # after as_of
    ]


def write_seller_landing(landing) -> None:
    write_crm(landing, "User", [
        {"Id": USERS[tag], "Name": name, "Email": f"{tag.lower()}@vendor.example", "IsActive": "true",
         "ManagerId": USERS[manager] if manager else "", "Sales_Role__c": role}
        for tag, name, role, manager in USER_ROWS
    ])
    write_crm(landing, "Account", [{"Id": ACCOUNT, "Name": "Acme"}])
    write_crm(landing, "Contact", [
        {"Id": c, "AccountId": ACCOUNT, "LastName": f"Person {i}", "Email": f"p{i}@acme.example"}
        for i, c in enumerate(CONTACTS, start=1)
    ])
    opportunities, roles, events = [], [], []
    for tag, owner, status, amount, created, close, people, meeting, champion, buyer in DEALS:
        opp = sfid("006", tag)
        opportunities.append({
            "Id": opp, "AccountId": ACCOUNT, "OwnerId": USERS[owner], "Name": f"Acme {tag}",
            "StageName": {"won": "Closed Won", "lost": "Closed Lost"}.get(status, "Negotiation"),
            "Amount": amount, "CloseDate": close, "CreatedDate": f"{created}T09:00:00Z",
            "IsClosed": str(status != "open").lower(), "IsWon": str(status == "won").lower(),
            "Champion__c": "Named" if champion else "", "Economic_Buyer__c": "Named" if buyer else "",
        })
        roles += [{"Id": sfid("00K", f"{tag}C{i}"), "OpportunityId": opp, "ContactId": CONTACTS[i],
                   "Role": "Influencer"} for i in range(people)]
        if meeting:
            events.append({"Id": sfid("00U", tag), "OwnerId": USERS[owner], "StartDateTime": f"{meeting}T15:00:00Z",
                           "Type": "Meeting", "Subject": "Discovery", "WhatId": opp, "AccountId": ACCOUNT})
    write_crm(landing, "Opportunity", opportunities)
    write_crm(landing, "OpportunityContactRole", roles)
    write_crm(landing, "Event", events)
    write_crm(landing, "Period", [
        {"Id": PERIOD_Q1, "StartDate": "2025-01-01", "EndDate": "2025-03-31", "Type": "Quarter"},
        {"Id": PERIOD_Q2, "StartDate": "2025-04-01", "EndDate": "2025-06-30", "Type": "Quarter"},
    ])
    write_crm(landing, "ForecastingQuota", [
        {"QuotaOwnerId": USERS[owner], "StartDate": start, "QuotaAmount": amount, "PeriodId": period}
        for owner, start, amount, period in QUOTAS
    ])
    write_gong_page(landing, "users_0001.json", "users", [
        {"id": A2_GONG, "emailAddress": "A2@vendor.example", "firstName": "Ben", "lastName": "Two", "active": True},
    ])
    write_gong_page(landing, "calls_0001.json", "calls", gong_calls())
    write_activities(landing, activity_log())
