"""The hand-written org of the role_metrics tests: one seller of each role doing the thing the
roles contract measures, with every number the tests check computed by hand in
test_mart_role_metrics.py. as_of 2025-06-20 (a Friday), fiscal year = calendar year, so the
June 2025 row's role window (window_months 3) is 2025-04-01..2025-06-20.

The org: V1 (VP) manages M1 (manager), who manages every seller:
- AEs A1, A2, A3, all on the SMB account SA1 (Segment__c = SMB). Open stages by Probability:
  1 Prospecting (10), 2 Qualification (20), 3 Proposal (50), 4 Negotiation (80); Closed Won
  (100) and Closed Lost (0) are closed. Each AE has ten deals created 04-01 in Prospecting,
  in Qualification from 04-10 (9 days in stage 1) and out of it on 05-01 (21 days in stage
  2): to Proposal (still open) for 4 (A1), 6 (A2), 7 (A3) of them, Closed Lost for the rest.
- A1 also has: the 2024-Q4 and 2025-Q1 forecast deals (FORECAST_DEALS), a Q2 quota of 91 000
  (Period 04-01..06-30), W1 won 06-10 for 40 500 with two line items, P1 open in Commit
  closing 06-28 for 40 500.
- SDRs S1 and S2: June touches from the activity log (SDR_TOUCHES); S1 sourced two June
  opportunities, QO1 through SDR__c (reaches Qualification, Probability 20) and QO2 through
  CreatedById (stays in Prospecting).
- AM AM1 owns the Enterprise accounts AMA1..AMA3 (no Segment__c, NumberOfEmployees 5 000),
  with Contracts, renewals and expansions (AM_DEALS) and cs/ ARR snapshots.
- CSM C1: the Mid-Market book CS1..CS8 (NumberOfEmployees 500): CS1..CS4 owned by C1 (the
  owner is a CSM), CS5..CS8 owned by M1 with CSM__c = C1; cs/ health in April, May and June
  (5 of 8 drop a tier in June) and onboarding milestones.
`write_role_landing(landing, with_cs=False)` writes the same org without the cs/ folder."""

from __future__ import annotations

import datetime as dt

from ..landing import write_activities, write_crm, write_csv

AS_OF = dt.date(2025, 6, 20)
JUNE = dt.date(2025, 6, 1)


def sfid(prefix: str, tag: str) -> str:
    """An 18-character Salesforce-style id: 3-char prefix, tag zero-padded, 'AAA'."""
    return f"{prefix}{tag:0>12}AAA"


USER_ROWS = [
    # (tag, name, role field, manager tag)
    ("V1", "Vera VP", "MANAGER", ""),
    ("M1", "Mia Manager", "MANAGER", "V1"),
    ("A1", "Ann One", "AE", "M1"),
    ("A2", "Ben Two", "AE", "M1"),
    ("A3", "Cat Three", "AE", "M1"),
    ("S1", "Sam Sdr", "SDR", "M1"),
    ("S2", "Sue Sdr", "SDR", "M1"),
    ("AM1", "Al Manager-of-Accounts", "AM", "M1"),
    ("C1", "Cy Success", "CSM", "M1"),
]
USERS = {tag: sfid("005", tag) for tag, *_ in USER_ROWS}
TAG = {uid: tag for tag, uid in USERS.items()}

STAGES = {"Prospecting": 10, "Qualification": 20, "Proposal": 50, "Negotiation": 80,
          "Closed Won": 100, "Closed Lost": 0}

ACCOUNTS = (
    # (tag, owner, Segment__c, NumberOfEmployees, CSM__c)
    [("SA1", "A1", "SMB", "", "")]
    + [(f"AMA{i}", "AM1", "", "5000", "") for i in (1, 2, 3)]
    + [(f"CS{i}", "C1", "", "500", "") for i in (1, 2, 3, 4)]
    + [(f"CS{i}", "M1", "", "500", "C1") for i in (5, 6, 7, 8)]
)
ACCOUNT = {tag: sfid("001", tag) for tag, *_ in ACCOUNTS}

# Stage deals of A1, A2, A3: (owner, how many of the ten reach Proposal).
STAGE_DEAL_CONVERSIONS = {"A1": 4, "A2": 6, "A3": 7}

# Forecast deals of A1: (tag, Commit snapshot row (created, amount, close) or None, a later
# history row (created, forecast category, amount, close) or None, outcome, final amount, close).
# Snapshot days: 2024-10-01 (Tue) + 14 = 10-15; 2025-01-01 (Wed) + 14 = 01-15.
FORECAST_DEALS = [
    ("F0", ("2024-10-05", 100000, "2024-12-15"), None, "won", 50000, "2024-12-15"),
    ("F1", ("2025-01-05", 50000, "2025-03-15"), None, "won", 40000, "2025-03-15"),
    ("F2", ("2025-01-05", 30000, "2025-03-20"), None, "lost", 30000, "2025-03-20"),
    ("F3", None, ("2025-01-20", "Commit", 20000, "2025-03-25"), "won", 5000, "2025-03-25"),
    ("F4", None, ("2025-01-10", "Pipeline", 10000, "2025-02-10"), "won", 10000, "2025-02-10"),
]

# AM1's deals: (tag, account, Type, created, close, outcome, amount).
AM_DEALS = [
    ("R1", "AMA1", "Renewal", "2025-06-15", "2025-07-15", "open", 120000),      # 30 days before the end: late
    ("R2", "AMA2", "Existing Business - Renewal", "2025-04-01", "2025-05-15", "won", 100000),
    ("R3", "AMA3", "renewal", "2025-03-01", "2025-06-01", "lost", 20000),       # created before the window
    ("E1", "AMA2", "Upsell", "2025-04-15", "2025-05-20", "won", 30000),
    ("E2", "AMA1", "Cross-Sell", "2025-05-01", "2025-06-05", "lost", 10000),
]
CONTRACTS = [
    # (account, start, end)
    ("AMA1", "2024-07-16", "2025-07-15"),
    ("AMA1", "2023-07-16", "2024-07-15"),   # the earlier contract: not the nearest to R1's close
    ("AMA2", "2024-10-01", "2025-09-30"),
    ("AMA3", "2024-06-02", "2025-06-01"),
]
# cs/ ARR of AM1's accounts: (account, ARR on 2024-06-01, ARR on 2025-06-01).
ARR = [("AMA1", 100000, 120000), ("AMA2", 200000, 150000), ("AMA3", 50000, 0)]

# C1's book health: score per month (April, May, June); CS5's June row delivers the tier.
HEALTH = {f"CS{i}": (80, 80, 60 if i <= 5 else 80) for i in range(1, 9)}
JUNE_TIER = {"CS5": "at_risk"}
NPS = {("CS1", "2025-05-15"): 10, ("CS1", "2025-06-15"): 30, ("CS2", "2025-06-15"): 50}

ONBOARDING = [
    # (account, milestone, due, completed, ttv_target_days, kickoff, go_live)
    ("CS1", "Kickoff call", "2025-04-05", "2025-04-03", 30, "2025-04-01", "2025-04-25"),
    ("CS1", "Go live", "2025-04-30", "2025-04-25", 30, "2025-04-01", "2025-04-25"),
    ("CS2", "Kickoff call", "2025-04-05", "2025-04-10", 30, "2025-04-01", "2025-05-20"),
    ("CS2", "Go live", "2025-05-01", "2025-05-20", 30, "2025-04-01", "2025-05-20"),
    ("CS3", "Kickoff call", "2025-06-30", "", 60, "2025-06-01", ""),
]


def june_business_days() -> list[str]:
    days = [dt.date(2025, 6, d) for d in range(1, 21)]
    return [d.isoformat() for d in days if d.isoweekday() <= 5]   # 15 days: 06-02..06-20


# SDR touches in June: (rep, count, activity type, sequence_step, cadence_type, outcome).
SDR_TOUCHES = [
    ("S1", 2, "call", 1, "cold", "meeting_booked"),
    ("S1", 3, "email", 1, "cold", "replied"),
    ("S1", 15, "email", 1, "cold", "no_answer"),
    ("S1", 1, "email", 2, "cold", "replied"),
    ("S1", 19, "email", 2, "cold", "bounced"),
    ("S2", 1, "call", 1, "warm", "meeting_booked"),
    ("S2", 4, "email", 1, "warm", "replied"),
    ("S2", 5, "email", 1, "warm", ""),
    ("S2", 4, "social", 2, "warm", "connected"),
    ("S2", 6, "social", 2, "warm", "no_answer"),
]


def activity_log() -> list[dict]:
    days, rows = june_business_days(), []
    for rep, count, activity_type, step, cadence, outcome in SDR_TOUCHES:
        for _ in range(count):
            n = len(rows)
            rows.append({
                "activity_id": f"act-{n}", "source": "outreach", "rep_id": USERS[rep],
                "activity_type": activity_type, "occurred_at": f"{days[n % len(days)]}T14:00:00Z",
                "outcome": outcome, "sequence_name": "Outbound Q2", "sequence_step": step,
                "cadence_type": cadence,
            })
    # A1 calls a customer: an AE's activity is no SDR touch.
    rows.append({"activity_id": "act-ae", "source": "dialer", "rep_id": USERS["A1"], "activity_type": "call",
                 "occurred_at": "2025-06-03T14:00:00Z", "outcome": "connected"})
    return rows


class _Crm:
    """Collects opportunities and their history rows."""

    def __init__(self) -> None:
        self.opportunities: list[dict] = []
        self.history: list[dict] = []

    def deal(self, tag, owner, account, stage, amount, created, close, *, forecast="Pipeline", kind="",
             sdr="", created_by="", probability=None) -> None:
        closed, won = stage in ("Closed Won", "Closed Lost"), stage == "Closed Won"
        self.opportunities.append({
            "Id": sfid("006", tag), "AccountId": ACCOUNT[account], "OwnerId": USERS[owner], "Name": f"Deal {tag}",
            "StageName": stage, "Amount": amount, "CloseDate": close, "CreatedDate": f"{created}T09:00:00Z",
            "IsClosed": str(closed).lower(), "IsWon": str(won).lower(),
            "Probability": STAGES[stage] if probability is None else probability,
            "ForecastCategoryName": "Closed" if won else ("Omitted" if closed else forecast), "Type": kind,
            "SDR__c": USERS[sdr] if sdr else "", "CreatedById": USERS[created_by or owner],
        })

    def step(self, tag, stage, day, amount, close, forecast="Pipeline") -> None:
        self.history.append({
            "Id": sfid("008", f"{tag}H{len(self.history)}"), "OpportunityId": sfid("006", tag), "StageName": stage,
            "Amount": amount, "CloseDate": close, "Probability": STAGES[stage], "ForecastCategory": forecast,
            "CreatedDate": f"{day}T10:00:00Z",
        })


def _stage_deals(crm: _Crm) -> None:
    for owner, converted in STAGE_DEAL_CONVERSIONS.items():
        for i in range(10):
            tag = f"{owner}S{i}"
            goes_on = i < converted
            final = "Proposal" if goes_on else "Closed Lost"
            close = "2025-07-31" if goes_on else "2025-05-01"
            crm.deal(tag, owner, "SA1", final, 1000, "2025-04-01", close)
            crm.step(tag, "Prospecting", "2025-04-01", 1000, close)
            crm.step(tag, "Qualification", "2025-04-10", 1000, close)
            crm.step(tag, final, "2025-05-01", 1000, close, "Omitted" if not goes_on else "Pipeline")


def _forecast_deals(crm: _Crm) -> None:
    for tag, snapshot, later, outcome, amount, close in FORECAST_DEALS:
        stage = "Closed Won" if outcome == "won" else "Closed Lost"
        first_day = (snapshot or later)[0]
        crm.deal(tag, "A1", "SA1", stage, amount, first_day, close)
        if snapshot:
            day, committed, commit_close = snapshot
            crm.step(tag, "Negotiation", day, committed, commit_close, "Commit")
        if later:
            day, category, later_amount, later_close = later
            crm.step(tag, "Negotiation", day, later_amount, later_close, category)
        crm.step(tag, stage, close, amount, close, "Closed" if outcome == "won" else "Omitted")


def _a1_quarter_deals(crm: _Crm) -> None:
    crm.deal("W1", "A1", "SA1", "Closed Won", 40500, "2025-05-01", "2025-06-10")
    crm.step("W1", "Negotiation", "2025-05-01", 40500, "2025-06-10", "Commit")
    crm.step("W1", "Closed Won", "2025-06-10", 40500, "2025-06-10", "Closed")
    crm.deal("P1", "A1", "SA1", "Negotiation", 40500, "2025-06-01", "2025-06-28", forecast="Commit")
    crm.step("P1", "Negotiation", "2025-06-01", 40500, "2025-06-28", "Commit")


def _sdr_deals(crm: _Crm) -> None:
    crm.deal("QO1", "A2", "SA1", "Qualification", 5000, "2025-06-05", "2025-08-29", sdr="S1", created_by="A2")
    crm.step("QO1", "Prospecting", "2025-06-05", 5000, "2025-08-29")
    crm.step("QO1", "Qualification", "2025-06-12", 5000, "2025-08-29")
    crm.deal("QO2", "A3", "SA1", "Prospecting", 5000, "2025-06-10", "2025-08-29", created_by="S1")
    crm.step("QO2", "Prospecting", "2025-06-10", 5000, "2025-08-29")


def _am_deals(crm: _Crm) -> None:
    for tag, account, kind, created, close, outcome, amount in AM_DEALS:
        stage = {"won": "Closed Won", "lost": "Closed Lost"}.get(outcome, "Negotiation")
        crm.deal(tag, "AM1", account, stage, amount, created, close, kind=kind)


def health_rows() -> list[dict]:
    rows = []
    for account, scores in HEALTH.items():
        for day, score in zip(("2025-04-15", "2025-05-15", "2025-06-15"), scores, strict=True):
            tier = JUNE_TIER.get(account, "") if day == "2025-06-15" else ""
            rows.append({"account_id": ACCOUNT[account], "snapshot_date": day, "health_score": score,
                         "health_tier": tier, "nps": NPS.get((account, day), ""), "csat": "", "arr": "",
                         "csm_id": USERS["C1"]})
    for account, start, end in ARR:
        for day, arr in (("2024-06-01", start), ("2025-06-01", end)):
            rows.append({"account_id": ACCOUNT[account], "snapshot_date": day, "health_score": 70,
                         "health_tier": "", "nps": "", "csat": "", "arr": arr, "csm_id": ""})
    return rows


def write_role_landing(landing, with_cs: bool = True) -> None:
    write_crm(landing, "User", [
        {"Id": USERS[tag], "Name": name, "Email": f"{tag.lower()}@vendor.example", "IsActive": "true",
         "ManagerId": USERS[manager] if manager else "", "Sales_Role__c": role}
        for tag, name, role, manager in USER_ROWS
    ])
    write_crm(landing, "Account", [
        {"Id": ACCOUNT[tag], "Name": f"Account {tag}", "OwnerId": USERS[owner], "Segment__c": segment,
         "NumberOfEmployees": employees, "CSM__c": USERS[csm] if csm else "", "Industry": "Software"}
        for tag, owner, segment, employees, csm in ACCOUNTS
    ])
    crm = _Crm()
    _stage_deals(crm)
    _forecast_deals(crm)
    _a1_quarter_deals(crm)
    _sdr_deals(crm)
    _am_deals(crm)
    write_crm(landing, "Opportunity", crm.opportunities)
    write_crm(landing, "OpportunityHistory", crm.history)
    write_crm(landing, "OpportunityLineItem", [
        # 30 000 at 10 % Discount; 10 500 without Discount, 800 of a 1 000 ListPrice: 20 %.
        {"Id": sfid("00k", "L1"), "OpportunityId": sfid("006", "W1"), "Quantity": 30, "UnitPrice": 1000,
         "ListPrice": 1000, "TotalPrice": 30000, "Discount": 10},
        {"Id": sfid("00k", "L2"), "OpportunityId": sfid("006", "W1"), "Quantity": 13.125, "UnitPrice": 800,
         "ListPrice": 1000, "TotalPrice": 10500, "Discount": ""},
    ])
    write_crm(landing, "Contract", [
        {"Id": sfid("800", f"K{i}"), "AccountId": ACCOUNT[account], "StartDate": start, "EndDate": end,
         "Status": "Activated", "ContractTerm": 12, "OwnerId": USERS["AM1"]}
        for i, (account, start, end) in enumerate(CONTRACTS)
    ])
    period_q2 = sfid("026", "PQ2")
    write_crm(landing, "Period", [{"Id": period_q2, "StartDate": "2025-04-01", "EndDate": "2025-06-30",
                                   "Type": "Quarter"}])
    write_crm(landing, "ForecastingQuota", [{"QuotaOwnerId": USERS["A1"], "StartDate": "2025-04-01",
                                             "QuotaAmount": 91000, "PeriodId": period_q2}])
    write_activities(landing, activity_log())
    if with_cs:
        write_csv(landing / "cs" / "health.csv", health_rows())
        write_csv(landing / "cs" / "onboarding.csv", [
            {"account_id": ACCOUNT[account], "milestone": milestone, "due_date": due, "completed_date": done,
             "ttv_target_days": target, "kickoff_date": kickoff, "go_live_date": live}
            for account, milestone, due, done, target, kickoff, live in ONBOARDING
        ])
