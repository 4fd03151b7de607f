"""marts.next_best_actions on a hand-made landing zone: only open non-green deals, the
contact choice, action_reason, best_time, priority_score with urgency and rank_for_rep, and
stale deals (a passed close date is the action whatever else was lost; more than 90 days
past due is hygiene, not deal_health_scores.is_at_risk).

as_of = 2025-06-30 (a Monday). No won deal closed in the 365 days before as_of, so the
velocity median falls back to every won deal closed on or before as_of: cycles 50 and 150
days -> median 100 (the won deal closing after as_of, 10 days, is ignored; with it the
median would be 50). velocity_ratio = age_days / 100.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ..landing import CRM_ROWS, U1, U2, gong_call, write_activities, write_crm, write_gong_page
from ..warehouse import dbt, load_raw, query_dicts

# The module fixture builds once: its tests stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("mart_next_best_actions")

AS_OF = dt.date(2025, 6, 30)
U3 = "005000000000000CCC"   # Bo, a second AE
U9 = "005000000000000ZZZ"   # owner missing from the User extract
GONG_ADA, GONG_BO = "234599484848423001", "234599484848423003"

MEDDPICC_FIELDS = {
    "metrics": "Metrics__c", "economic_buyer": "Economic_Buyer__c", "decision_criteria": "Decision_Criteria__c",
    "decision_process": "Decision_Process__c", "paper_process": "Paper_Process__c",
    "identify_pain": "Identify_Pain__c", "champion": "Champion__c", "competition": "Competition__c",
}
ALL8 = set(MEDDPICC_FIELDS)


def opp(tag: str) -> str:
    return f"006{tag:0>12}AAA"


def account(tag: str) -> str:
    return f"001{tag:0>12}AAA"


def contact(tag: str) -> str:
    return f"003{tag:0>12}AAA"


DEAL_ACCOUNTS: set[str] = set()


def opportunity(tag, acct, *, owner, amount, created, close, status="open", meddpicc=()):
    DEAL_ACCOUNTS.add(acct)
    row = {
        "Id": opp(tag), "AccountId": account(acct), "OwnerId": owner, "Name": f"Deal {tag}",
        "StageName": "Closed" if status != "open" else "Discovery", "Amount": str(amount), "CloseDate": close,
        "CreatedDate": f"{created}T09:00:00Z", "IsClosed": str(status != "open").lower(),
        "IsWon": str(status == "won").lower(),
    }
    for key, field in MEDDPICC_FIELDS.items():
        row[field] = f"{key} noted" if key in meddpicc else ""
    return row


_role_ids = iter(range(1, 1000))


def role(tag, contact_tag, contact_role, *, primary=False, created="2025-05-01"):
    return {"Id": f"00K{next(_role_ids):0>12}AAA", "OpportunityId": opp(tag), "ContactId": contact(contact_tag),
            "Role": contact_role, "IsPrimary": str(primary).lower(), "CreatedDate": f"{created}T09:00:00Z"}


def task(task_tag, tag, date, who=None, owner=U1):
    return {"Id": f"00T{task_tag:0>12}AAA", "OwnerId": owner, "ActivityDate": date,
            "CreatedDate": f"{date}T10:00:00Z", "TaskSubtype": "Email", "Subject": "Follow-up",
            "WhatId": opp(tag) if tag else "", "WhoId": contact(who) if who else ""}


def event(event_tag, owner, start, acct, tag=None, who=None):
    return {"Id": f"00U{event_tag:0>12}AAA", "OwnerId": owner, "StartDateTime": start, "DurationInMinutes": "30",
            "Type": "Meeting", "Subject": "Sync", "AccountId": account(acct),
            "WhatId": opp(tag) if tag else "", "WhoId": contact(who) if who else ""}


_call_ids = iter(range(1, 1000))


def call(gong_user, started, *, acct=None, tag=None, scope="External"):
    return gong_call(f"70000000000000{next(_call_ids):05d}", started, gong_user, scope=scope,
                     account_id=account(acct) if acct else None, opportunity_id=opp(tag) if tag else None)


DEALS = [
    # --- Ada (U1) -------------------------------------------------------------------------
    # N1: 6/8, 3 contact roles, last touch 25 days ago, age 90, close in exactly 30 days.
    opportunity("N1", "A1", owner=U1, amount=100000, created="2025-04-01", close="2025-07-30",
                meddpicc=ALL8 - {"paper_process", "competition"}),
    # N2: 5/8 (no champion or EB field: both come from contact roles), 2 stakeholders,
    # touched 3 days ago, age 60, close date 10 days ago.
    opportunity("N2", "A2", owner=U1, amount=80000, created="2025-05-01", close="2025-06-20",
                meddpicc={"metrics", "decision_criteria", "decision_process", "identify_pain", "paper_process"}),
    # N3: 0/8, no contact role, 2 WhoId contacts, last touch 5 days ago, age 100 (ratio 1.0),
    # close in 31 days.
    opportunity("N3", "A3", owner=U1, amount=50000, created="2025-03-22", close="2025-07-31"),
    # N9: 5/8, 2 stakeholders, last touch 20 days ago, age 30.
    opportunity("N9", "A9", owner=U1, amount=30000, created="2025-05-31", close="2025-12-31",
                meddpicc={"champion", "economic_buyer", "metrics", "identify_pain", "decision_criteria"}),
    # S1: 200 days past due (2024-12-12), 0/8, never touched, age 272 (ratio 2.72).
    opportunity("S1", "A11", owner=U1, amount=2000, created="2024-10-01", close="2024-12-12"),
    # S2: the same, exactly 90 days past due (2025-04-01): still at risk, not yet hygiene.
    opportunity("S2", "A13", owner=U1, amount=1000, created="2024-10-01", close="2025-04-01"),
    # T1: due tomorrow, 0/8, never touched, age 29 (ratio 0.29).
    opportunity("T1", "A12", owner=U1, amount=1500, created="2025-06-01", close="2025-07-01"),
    # G1: healthy (100, green): not an action.
    opportunity("G1", "A1", owner=U1, amount=90000, created="2025-05-31", close="2025-12-31", meddpicc=ALL8),
    # Closed deals (no action). Velocity median: WA 50 days, WB 150 days, WF closes after as_of.
    opportunity("WA", "A1", owner=U1, amount=1, created="2023-01-10", close="2023-03-01", status="won"),
    opportunity("WB", "A1", owner=U1, amount=1, created="2023-01-02", close="2023-06-01", status="won"),
    opportunity("WF", "A1", owner=U1, amount=1, created="2025-06-25", close="2025-07-05", status="won"),
    # --- Bo (U3) --------------------------------------------------------------------------
    # N4: 4/8 (incl. champion and EB), 2 contact roles, never touched, age 125 (ratio 1.25).
    opportunity("N4", "A4", owner=U3, amount=40000, created="2025-02-25", close="2025-09-30",
                meddpicc={"metrics", "economic_buyer", "champion", "identify_pain"}),
    # N5: nothing, age 241.
    opportunity("N5", "A5", owner=U3, amount=20000, created="2024-11-01", close="2025-12-31"),
    # N6, N7: twins: 8/8, touched 45 days ago by the activity log only, age 60.
    opportunity("N6", "A6", owner=U3, amount=10000, created="2025-05-01", close="2025-12-31", meddpicc=ALL8),
    opportunity("N7", "A6", owner=U3, amount=10000, created="2025-05-01", close="2025-12-31", meddpicc=ALL8),
    # N10: 7/8 (no EB), a champion role + a WhoId contact, touched 16 days ago, age 241.
    opportunity("N10", "A10", owner=U3, amount=5000, created="2024-11-01", close="2025-12-31",
                meddpicc=ALL8 - {"economic_buyer"}),
    # Z: Bo's lost deal on A6; Gong calls linked to it count for A6's best time.
    opportunity("Z", "A6", owner=U3, amount=1, created="2025-03-01", close="2025-04-15", status="lost"),
    # --- an owner missing from the User extract ------------------------------------------
    opportunity("N8", "A8", owner=U9, amount=1000, created="2024-11-01", close="2025-12-31"),
]

CONTACT_ROLES = [
    role("N1", "C1", "Decision Maker", primary=True, created="2025-04-10"),
    role("N1", "C2", "Champion", created="2025-04-02"),
    role("N1", "C3", "Technical Buyer"),
    role("N2", "C5", "Champion", created="2025-05-02"),        # created first ...
    role("N2", "C4", "Economic Buyer", created="2025-05-20"),  # ... the economic buyer still wins
    role("N9", "C10", "Decision Maker", primary=True),
    role("N9", "C11", "Influencer"),
    role("N4", "C14", "Influencer"),
    role("N4", "C15", "Technical Buyer"),
    role("N10", "C12", "Champion"),
    *[role("G1", f"G{i}", "Influencer") for i in range(1, 5)],
]

TASKS = [
    task("1", "N1", "2025-06-05", who="C2"),     # 25 days
    task("2", "N2", "2025-06-27", who="C5"),     # 3 days
    task("3", "N3", "2025-06-10", who="C6"),
    task("4", "N3", "2025-06-25"),               # latest touch, but no WhoId
    task("5", "N3", "2025-07-05", who="C6"),     # after as_of: ignored
    task("6", "N9", "2025-06-10", who="C10"),    # 20 days
    task("7", "N10", "2025-06-14", who="C13", owner=U3),   # 16 days
    task("8", "G1", "2025-06-29", who="G1"),
]

EVENTS = [
    # N1 / A1 (Ada): Tue 14:00-16:00 twice, Wed 08:00-10:00 once (+ one Gong call below)
    event("1", U1, "2025-06-03T15:10:00Z", "A1"),
    event("2", U1, "2025-06-17T14:59:00Z", "A1"),
    event("3", U1, "2025-06-11T09:00:00Z", "A1"),
    event("4", U3, "2025-06-11T09:10:00Z", "A1"),   # Bo's: not the deal owner's
    event("5", U3, "2025-06-18T09:20:00Z", "A1"),
    event("6", U1, "2025-07-02T09:00:00Z", "A1"),   # after as_of
    # N2 / A2: Mon 08:00
    event("7", U1, "2025-06-23T08:00:00Z", "A2"),
    # N3 / A3: the Event on the deal, Fri 13:45, with its WhoId (the latest Task/Event contact)
    event("8", U1, "2025-06-20T13:45:00Z", "A3", tag="N3", who="C7"),
    # N6, N7 / A6 (Bo): Fri 10:00 once; two Gong calls on Sat 22:00-24:00 (below) win
    event("9", U3, "2025-06-13T10:00:00Z", "A6"),
]

CALLS = [
    call(GONG_ADA, "2025-06-18T09:30:00Z", acct="A1"),                   # Wed 08-10 for N1: 2 vs Tue 2
    call(GONG_ADA, "2025-06-25T08:15:00Z", acct="A1", scope="Internal"),  # internal: not counted
    call(GONG_BO, "2025-06-11T16:30:00Z", acct="A5"),                    # Wed 16-18
    call(GONG_BO, "2025-06-13T09:15:00Z", acct="A5"),                    # Fri 08-10
    call(GONG_BO, "2025-06-09T09:59:00Z", acct="A5"),                    # Mon 08-10: earliest in the week
    call(GONG_ADA, "2025-06-02T07:00:00Z", acct="A5"),                   # Ada's: not the deal owner's
    call(GONG_BO, "2025-06-09T06:30:00Z", acct="A5", scope="Internal"),  # internal
    call(GONG_BO, "2025-07-07T06:10:00Z", acct="A5"),                    # after as_of
    call(GONG_BO, "2025-06-14T22:10:00Z", tag="Z"),                      # linked opp Z is on A6
    call(GONG_BO, "2025-06-21T23:50:00Z", tag="Z"),
]

ACTIVITIES = [
    # N6 / N7 touched 45 days ago; the log's contact_id is never the action's contact.
    {"activity_id": "log-6", "source": "outreach", "rep_id": U3, "activity_type": "email",
     "occurred_at": "2025-05-16T10:00:00Z", "opportunity_id": opp("N6"), "contact_id": contact("C16")},
    {"activity_id": "log-7", "source": "outreach", "rep_id": U3, "activity_type": "email",
     "occurred_at": "2025-05-16T11:00:00Z", "opportunity_id": opp("N7"), "contact_id": contact("C16")},
]

CONTACT_NAMES = {
    "C1": "Cara Primary", "C2": "Chris Champion", "C3": "Tom Tech", "C4": "Eve Buyer", "C5": "Carl Champ",
    "C6": "Olga Older", "C7": "Lia Latest", "C10": "Pia Primary", "C11": "Ian Influencer", "C12": "Chad Champion",
    "C13": "Tina Touched", "C14": "Ina Influencer", "C15": "Ted Tech", "C16": "Lou Logged",
    "G1": "G One", "G2": "G Two", "G3": "G Three", "G4": "G Four",
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("next_best_actions")
    landing = root / "landing"
    users = [u for u in CRM_ROWS["User"] if u["Id"] in (U1, U2)] + [
        {"Id": U3, "Name": "Bo Rep", "Email": "bo@vendor.example", "IsActive": "true", "ManagerId": U2,
         "UserRoleId": "00E000000000001AAA", "Sales_Role__c": "AE"}]
    write_crm(landing, "User", users)
    write_crm(landing, "UserRole", CRM_ROWS["UserRole"])
    write_crm(landing, "Account", [{"Id": account(t), "Name": f"Account {t}"} for t in sorted(DEAL_ACCOUNTS)])
    write_crm(landing, "Contact", [
        {"Id": contact(tag), "AccountId": account("A1"), "FirstName": name.split()[0], "LastName": name.split()[1]}
        for tag, name in CONTACT_NAMES.items()])
    write_crm(landing, "Opportunity", DEALS)
    write_crm(landing, "OpportunityContactRole", CONTACT_ROLES)
    write_crm(landing, "Task", TASKS)
    write_crm(landing, "Event", EVENTS)
    write_gong_page(landing, "users_0001.json", "users", [
        {"id": GONG_ADA, "emailAddress": "ada@vendor.example", "firstName": "Ada", "lastName": "Rep", "active": True},
        {"id": GONG_BO, "emailAddress": "Bo@Vendor.example", "firstName": "Bo", "lastName": "Rep", "active": True},
    ])
    write_gong_page(landing, "calls_0001.json", "calls", CALLS)
    write_activities(landing, ACTIVITIES)
    warehouse = root / "warehouse.duckdb"
    load_raw(landing, warehouse)
    # cautious: only the tests whose models are all built (the default, eager, also runs the
    # tests of unbuilt models that merely reference a built one, and those fail).
    dbt(["build", "--select", "+next_best_actions +int_users", "--indirect-selection", "cautious"], warehouse, AS_OF)
    return warehouse


@pytest.fixture(scope="module")
def actions(warehouse):
    return {r["opportunity_id"]: r for r in query_dicts(warehouse, "select * from marts.next_best_actions")}


def test_only_open_deals_that_are_not_green(actions):
    # G1 is green (100); WA, WB, WF, Z are closed.
    assert set(actions) == {opp(t) for t in ("N1", "N2", "N3", "N9", "S1", "S2", "T1", "N4", "N5", "N6", "N7",
                                             "N10", "N8")}


def test_velocity_median_falls_back_to_all_won_deals(warehouse):
    ratios = {r["opportunity_id"]: r["velocity_ratio"] for r in query_dicts(
        warehouse, "select opportunity_id, velocity_ratio from marts.deal_health_scores")}
    assert ratios[opp("N4")] == pytest.approx(1.25)   # 125 / median(50, 150) = 125 / 100
    assert ratios[opp("N3")] == pytest.approx(1.0)


# deal: (rep_id, account, amount, health_score, action_type, label, contact_id, contact_name,
#        action_reason, best_time, priority_score, rank_for_rep)
EXPECTED = {
    # 30x6/8 = 22.5 + 25x(30-25)/23 = 5.43 + 15x3/4 = 11.25 + 10 + 10 + 10 = 69.18 -> 69.
    # Largest loss recency (19.57), 25 days >= 21: call. Primary contact C1.
    # Tue 14-16 (2 events) ties Wed 08-10 (1 event + 1 External call): Tuesday is earlier.
    # Close in exactly 30 days: urgent. 100000 x 31/100 x 1.5 = 46500.
    "N1": (U1, "A1", 100000, 69, "call", "Call", "C1", "Cara Primary",
           "Re-engage: no touch in 25 days", "Tue 14:00-16:00", 46500.0, 1),
    # 30x5/8 = 18.75 + 25 + 7.5 + 10 + 10 + 10 - 15 = 66.25 -> 66. Largest loss hygiene (15).
    # No primary: the economic buyer role (C4) before the champion role (C5).
    # Close date passed: urgent. 80000 x 34/100 x 1.5 = 40800.
    "N2": (U1, "A2", 80000, 66, "task", "Task", "C4", "Eve Buyer",
           "Update the close date or close the deal: close date passed 10 days ago", "Mon 08:00-10:00", 40800.0, 2),
    # 0 + 25 + 7.5 + 0 + 0 + 10 = 42.5 -> 43. Largest loss qualification (30).
    # No contact role: the WhoId of the latest Task/Event with one (Event 2025-06-20, C7).
    # Close in 31 days: not urgent. 50000 x 57/100 = 28500.
    "N3": (U1, "A3", 50000, 43, "task", "Task", "C7", "Lia Latest",
           "Qualify: MEDDPICC 0/8 complete", "Fri 12:00-14:00", 28500.0, 3),
    # 18.75 + 25x(30-20)/23 = 10.87 + 7.5 + 10 + 10 + 10 = 67.12 -> 67. Largest loss recency
    # (14.13), 20 days < 21: email. 30000 x 33/100 = 9900.
    "N9": (U1, "A9", 30000, 67, "email", "Email", "C10", "Pia Primary",
           "Re-engage: no touch in 20 days", "Tue-Thu 10:00-12:00", 9900.0, 4),
    # 0 + 0 + 0 + 0 + 0 + 0 - 15 -> 0. Qualification lost most (30) but the close date passed
    # 200 days ago (2024-12-12 -> 2025-06-30: 19 + 181): the hygiene task. Passed: urgent.
    # 2000 x 100/100 x 1.5 = 3000.
    "S1": (U1, "A11", 2000, 0, "task", "Task", None, None,
           "Update the close date or close the deal: close date passed 200 days ago", "Tue-Thu 10:00-12:00",
           3000.0, 5),
    # 0 + 0 + 0 + 0 + 0 + 10 = 10. Due tomorrow: not passed, the largest loss decides (MEDDPICC);
    # within 30 days: urgent. 1500 x 90/100 x 1.5 = 2025.
    "T1": (U1, "A12", 1500, 10, "task", "Task", None, None,
           "Qualify: MEDDPICC 0/8 complete", "Tue-Thu 10:00-12:00", 2025.0, 6),
    # As S1, 90 days past due (2025-04-01 -> 2025-06-30: 29 + 31 + 30). 1000 x 1.5 = 1500.
    "S2": (U1, "A13", 1000, 0, "task", "Task", None, None,
           "Update the close date or close the deal: close date passed 90 days ago", "Tue-Thu 10:00-12:00",
           1500.0, 7),
    # 30x4/8 = 15 + 0 + 7.5 + 10 + 10 + 10x(2-1.25) = 7.5 -> 50 (yellow). Largest loss recency
    # (25), no touch at all: call. No primary / EB / champion role, no Task or Event: no contact.
    # 40000 x 50/100 = 20000.
    "N4": (U3, "A4", 40000, 50, "call", "Call", None, None,
           "Make first contact: no touch recorded yet", "Tue-Thu 10:00-12:00", 20000.0, 1),
    # 0 (floor). 20000 x 100/100 = 20000: ties N4, smaller amount -> rank 2.
    # Three External calls naming A5, one per slot: Mon 08-10 is the earliest in the week.
    "N5": (U3, "A5", 20000, 0, "task", "Task", None, None,
           "Qualify: MEDDPICC 0/8 complete", "Mon 08:00-10:00", 20000.0, 2),
    # 30 + 0 (45 days) + 0 + 10 + 10 + 10 = 60. Largest loss recency (25): call.
    # Sat 22-24 (2 calls linked to Z on A6) beats Fri 10-12 (1 event). 10000 x 40/100 = 4000;
    # N6 and N7 tie on score and amount: opportunity_id decides.
    "N6": (U3, "A6", 10000, 60, "call", "Call", None, None,
           "Re-engage: no touch in 45 days", "Sat 22:00-24:00", 4000.0, 3),
    "N7": (U3, "A6", 10000, 60, "call", "Call", None, None,
           "Re-engage: no touch in 45 days", "Sat 22:00-24:00", 4000.0, 4),
    # 30x7/8 = 26.25 + 25x(30-16)/23 = 15.22 + 7.5 + 10 + 0 + 0 (ratio 2.41) = 58.97 -> 59.
    # Losses economic buyer 10 = velocity 10 (table order: economic buyer) -> meeting.
    # Champion role contact C12 (before the touched C13). 5000 x 41/100 = 2050.
    "N10": (U3, "A10", 5000, 59, "meeting", "Meeting", "C12", "Chad Champion",
            "Reach the economic buyer: not identified yet", "Tue-Thu 10:00-12:00", 2050.0, 5),
    # Unknown owner: still an action for that owner id. 1000 x 100/100 = 1000.
    "N8": (U9, "A8", 1000, 0, "task", "Task", None, None,
           "Qualify: MEDDPICC 0/8 complete", "Tue-Thu 10:00-12:00", 1000.0, 1),
}


@pytest.mark.parametrize("tag", list(EXPECTED))
def test_action_row(actions, tag):
    row = actions[opp(tag)]
    (rep, acct, amount, score, action, label, contact_tag, contact_name, reason, best_time, priority,
     rank) = EXPECTED[tag]
    got = (row["rep_id"], row["account_name"], row["amount"], row["health_score"], row["action_type"],
           row["action_type_label"], row["contact_id"], row["contact_name"], row["action_reason"],
           row["best_time"], row["priority_score"], row["rank_for_rep"])
    assert got == (rep, f"Account {acct}", amount, score, action, label,
                   contact(contact_tag) if contact_tag else None, contact_name, reason, best_time,
                   pytest.approx(priority), rank)


def test_rank_for_rep_is_dense_per_rep(actions):
    ranks = {}
    for row in actions.values():
        ranks.setdefault(row["rep_id"], []).append(row["rank_for_rep"])
    assert {rep: sorted(r) for rep, r in ranks.items()} == {U1: [1, 2, 3, 4, 5, 6, 7], U3: [1, 2, 3, 4, 5],
                                                            U9: [1]}


@pytest.fixture(scope="module")
def health(warehouse):
    return {r["opportunity_id"]: r for r in query_dicts(warehouse, "select * from marts.deal_health_scores")}


def test_a_passed_close_date_is_the_action_whatever_else_was_lost(health):
    s1 = health[opp("S1")]
    # the reasons keep the largest loss first; only the action and its component change
    assert s1["risk_reasons"][:2] == ["MEDDPICC 0/8 complete", "No touch recorded yet"]
    assert "Close date passed 200 days ago" in s1["risk_reasons"]
    assert (s1["priority_action"], s1["priority_action_label"], s1["priority_component"]) == ("task", "Task", "hygiene")
    t1 = health[opp("T1")]   # due tomorrow: not passed
    assert (t1["close_date_passed"], t1["priority_component"], t1["priority_action_label"]) == (
        False, "qualification", "Task")
    assert (health[opp("N1")]["priority_action_label"], health[opp("N9")]["priority_action_label"],
            health[opp("N10")]["priority_action_label"]) == ("Call", "Email", "Meeting")
    assert (health[opp("G1")]["priority_action_label"], health[opp("WA")]["priority_action_label"]) == ("None", None)


def test_more_than_90_days_past_due_is_hygiene_not_risk(health):
    at_risk = {tag: health[opp(tag)]["is_at_risk"] for tag in ("S1", "S2", "T1", "N5", "N2", "G1", "WA", "Z")}
    # S1 red, 200 days past due: hygiene; S2 red, exactly 90: at risk; T1, N5 red; N2 yellow;
    # G1 green; WA and Z closed
    assert at_risk == {"S1": False, "S2": True, "T1": True, "N5": True, "N2": False, "G1": False, "WA": False,
                       "Z": False}
