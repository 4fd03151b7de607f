"""Local time per seller (landing-zone contract, "Money, currencies, local time"): a seller's
zone is User.TimeZoneSidKey, else the latest Organization's TimeZoneSidKey, else the
configured default; activity dates, business and low days, Gong call dates, deal dates and
the best time are in it, daylight saving included. Hand-made landing zone, as of
2024-03-15 (a Friday).

Calendar: 2024-03-04 is a Monday; 2024-03-09/10 and 03-16/17 are weekends. US daylight
saving starts on Sunday 2024-03-10 at 02:00 local: Los Angeles is UTC-8 (PST) before,
UTC-7 (PDT) after; New York UTC-5 / UTC-4. Tokyo is UTC+9 all year."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from ..landing import gong_call, write_activities, write_crm, write_gong_page
from ..warehouse import dbt, load_raw, query, query_dicts

# The module fixtures build once: their tests stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("local_time")

AS_OF = dt.date(2024, 3, 15)
# Everything local time touches, and their tests ("cautious": a test that also reads a model
# outside the selection is not run).
BUILD = ["build", "--select", "+rep_activities", "+next_best_actions", "--indirect-selection", "cautious"]

R_LA = "005000000000001AAA"     # AE, User.TimeZoneSidKey America/Los_Angeles
R_ORG = "005000000000002AAA"    # AE without a zone: the Organization's (America/New_York)
R_BAD = "005000000000003AAA"    # AE with a zone DuckDB does not know: the Organization's
R_TOKYO = "005000000000004AAA"  # AE with 'asia/tokyo' (any case is known: Asia/Tokyo)
M1 = "005000000000009AAA"       # their manager, Europe/London
GONG_LA = "234599484848423001"
A1, A2 = "001000000000001AAA", "001000000000002AAA"
D1, D2 = "006000000000001AAA", "006000000000002AAA"
ORG_OLD, ORG_NEW = "00D000000000001AAA", "00D000000000002AAA"


def d(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def user(user_id, name, email, zone, *, role="AE", manager=M1, modstamp="2024-01-01T00:00:00Z"):
    return {"Id": user_id, "Name": name, "Email": email, "IsActive": "true", "ManagerId": manager,
            "Sales_Role__c": role, "TimeZoneSidKey": zone, "SystemModstamp": modstamp}


USERS = [
    user(R_LA, "Lee Angeles", "lee@vendor.example", "America/Los_Angeles"),
    user(R_ORG, "Ora Org", "ora@vendor.example", ""),
    user(R_BAD, "Bad Zone", "bad@vendor.example", "Mars/Olympus_Mons"),
    user(R_TOKYO, "Tomo Tokyo", "tomo@vendor.example", " asia/tokyo "),
    user(M1, "Max Manager", "max@vendor.example", "Europe/London", role="MANAGER", manager=""),
]


def log(activity_id, rep, activity_type, occurred_at, **extra):
    return {"activity_id": activity_id, "source": "outreach", "rep_id": rep, "activity_type": activity_type,
            "occurred_at": occurred_at, **extra}


def write_landing(landing) -> None:
    write_crm(landing, "User", USERS)
    # Two Organization rows: the later version (SystemModstamp) is the one used.
    write_crm(landing, "Organization", [
        {"Id": ORG_OLD, "TimeZoneSidKey": "Asia/Tokyo", "SystemModstamp": "2023-01-01T00:00:00Z"},
        {"Id": ORG_NEW, "TimeZoneSidKey": "America/New_York", "SystemModstamp": "2024-01-01T00:00:00Z"},
    ])
    write_crm(landing, "Account", [{"Id": A1, "Name": "Acme"}, {"Id": A2, "Name": "Globex"}])
    # No contact role; D2 has one MEDDPICC field, so the org has MEDDPICC and D1's 0/8, no
    # champion and no economic buyer are real (D1, recently touched: (0 + 25 + 10) x 100 / 85 =
    # 41), and D2 was never touched (16): both red, so both are actions. (Without any MEDDPICC
    # field those components have no source and are left out: D1 would be green.)
    write_crm(landing, "Opportunity", [
        {"Id": D1, "AccountId": A1, "OwnerId": R_LA, "Name": "Acme - Platform", "StageName": "Discovery",
         "Amount": "10000", "CloseDate": "2024-06-28", "CreatedDate": "2024-01-10T17:00:00Z",
         "IsClosed": "false", "IsWon": "false"},
        {"Id": D2, "AccountId": A2, "OwnerId": R_ORG, "Name": "Globex - Pilot", "StageName": "Discovery",
         "Amount": "5000", "CloseDate": "2024-06-28", "CreatedDate": "2024-01-10T17:00:00Z",
         "IsClosed": "false", "IsWon": "false", "Metrics__c": "Pilot success criteria"},
    ])
    write_crm(landing, "Event", [
        # 2024-03-05 03:30 UTC is Monday 2024-03-04 19:30 PST: it counts on Monday the 4th.
        {"Id": "00U000000000001AAA", "OwnerId": R_LA, "StartDateTime": "2024-03-05T03:30:00Z",
         "Type": "Meeting", "Subject": "Evening sync", "AccountId": A1, "WhatId": D1},
        # 2024-03-12 02:00 UTC is Monday 2024-03-11 19:00 PDT (after the change).
        {"Id": "00U000000000002AAA", "OwnerId": R_LA, "StartDateTime": "2024-03-12T02:00:00Z",
         "Type": "Meeting", "Subject": "Evening sync", "AccountId": A1, "WhatId": D1},
        # R_ORG: 2024-03-05 04:30 UTC is 2024-03-04 23:30 EST in New York.
        {"Id": "00U000000000003AAA", "OwnerId": R_ORG, "StartDateTime": "2024-03-05T04:30:00Z",
         "Type": "Meeting", "Subject": "Late call", "AccountId": A2},
    ])
    write_crm(landing, "Task", [
        # No ActivityDate: CreatedDate 2024-03-07 05:00 UTC is Wednesday 03-06 21:00 PST.
        {"Id": "00T000000000001AAA", "OwnerId": R_LA, "ActivityDate": "",
         "CreatedDate": "2024-03-07T05:00:00Z", "TaskSubtype": "Email"},
        # An ActivityDate is a date without a time: taken as it is, whatever CreatedDate says.
        {"Id": "00T000000000002AAA", "OwnerId": R_LA, "ActivityDate": "2024-03-08",
         "CreatedDate": "2024-03-09T06:00:00Z", "TaskSubtype": "Call"},
    ])
    write_activities(landing, [
        # Five calls on Friday afternoon in Los Angeles, Saturday 01:00 UTC: Friday is not low.
        *(log(f"la-call-{i}", R_LA, "call", f"2024-03-09T01:0{i}:00Z") for i in range(5)),
        # 2024-03-06 07:59 UTC is Tuesday 03-05 23:59 PST.
        log("la-email", R_LA, "email", "2024-03-06T07:59:00Z"),
        # 2024-03-04 16:00 UTC is Tuesday 03-05 01:00 in Tokyo.
        log("tokyo-email", R_TOKYO, "email", "2024-03-04T16:00:00Z"),
        # R_BAD's zone is unknown: New York, 2024-03-04 22:00 EST.
        log("bad-email", R_BAD, "email", "2024-03-05T03:00:00Z"),
        # No known rep: the fallback zone (the Organization's), 2024-03-04 22:00 EST.
        {"activity_id": "nobody", "source": "outreach", "rep_email": "nobody@vendor.example",
         "activity_type": "call", "occurred_at": "2024-03-05T03:00:00Z"},
    ])
    write_gong_page(landing, "users_0001.json", "users", [
        {"id": GONG_LA, "emailAddress": "lee@vendor.example", "firstName": "Lee", "lastName": "Angeles",
         "active": True},
    ])
    write_gong_page(landing, "calls_0001.json", "calls", [
        # Either side of the change, both at 07:30 UTC: Saturday 03-09 23:30 PST and Monday
        # 03-11 00:30 PDT. A fixed offset gets one of them on the wrong day.
        gong_call("7000000000000000001", "2024-03-10T07:30:00Z", GONG_LA, account_id=A1, opportunity_id=D1),
        gong_call("7000000000000000002", "2024-03-11T07:30:00Z", GONG_LA, account_id=A1, opportunity_id=D1),
    ])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("local_time")
    landing = root / "landing"
    warehouse = root / "warehouse.duckdb"
    write_landing(landing)
    load_raw(landing, warehouse)
    result = dbt(BUILD, warehouse, AS_OF)
    return landing, warehouse, result.stdout


@pytest.fixture(scope="module")
def warehouse(built):
    return built[1]


def test_each_user_takes_their_zone_else_the_organizations(warehouse):
    rows = query(warehouse, """
        select user_id, time_zone_sid_key, time_zone, time_zone_source from intermediate.int_users order by 1""")
    assert rows == [
        (R_LA, "America/Los_Angeles", "America/Los_Angeles", "user"),
        (R_ORG, None, "America/New_York", "organization"),       # the later Organization row
        (R_BAD, "Mars/Olympus_Mons", "America/New_York", "organization"),
        (R_TOKYO, "asia/tokyo", "Asia/Tokyo", "user"),           # trimmed; DuckDB's spelling
        (M1, "Europe/London", "Europe/London", "user"),
    ]


def test_an_unknown_zone_name_is_a_data_quality_warning(built):
    *_, stdout = built
    # R_BAD only: a known name in another case is not a problem, an empty one is no name.
    assert "WARN 1 intermediate_users_time_zones_are_known_warn" in stdout, stdout[-3000:]


def test_activity_dates_are_the_reps_local_dates(warehouse):
    rows = query(warehouse, """
        select source_id, rep_id, activity_date, started_at, started_at_local, time_zone
        from intermediate.int_activities order by source_id""")
    la, ny, tokyo = "America/Los_Angeles", "America/New_York", "Asia/Tokyo"
    assert rows == [
        ("00T000000000001AAA", R_LA, d("2024-03-06"), None, None, la),
        ("00T000000000002AAA", R_LA, d("2024-03-08"), None, None, la),
        ("00U000000000001AAA", R_LA, d("2024-03-04"), ts("2024-03-05 03:30"), ts("2024-03-04 19:30"), la),
        ("00U000000000002AAA", R_LA, d("2024-03-11"), ts("2024-03-12 02:00"), ts("2024-03-11 19:00"), la),
        ("00U000000000003AAA", R_ORG, d("2024-03-04"), ts("2024-03-05 04:30"), ts("2024-03-04 23:30"), ny),
        ("outreach:bad-email", R_BAD, d("2024-03-04"), ts("2024-03-05 03:00"), ts("2024-03-04 22:00"), ny),
        *(("outreach:la-call-%d" % i, R_LA, d("2024-03-08"), ts(f"2024-03-09 01:0{i}"),
           ts(f"2024-03-08 17:0{i}"), la) for i in range(5)),
        ("outreach:la-email", R_LA, d("2024-03-05"), ts("2024-03-06 07:59"), ts("2024-03-05 23:59"), la),
        ("outreach:nobody", None, d("2024-03-04"), ts("2024-03-05 03:00"), ts("2024-03-04 22:00"), ny),
        ("outreach:tokyo-email", R_TOKYO, d("2024-03-05"), ts("2024-03-04 16:00"), ts("2024-03-05 01:00"), tokyo),
    ]


def test_business_and_low_days_are_the_sellers_own(warehouse):
    rows = query(warehouse, """
        select activity_date, call_count, email_count, meeting_count, activity_count, is_business_day, is_low_day
        from marts.rep_activities where rep_id = ? order by activity_date""", [R_LA])
    # From the first local activity day (the Monday evening event) to as_of.
    assert rows == [
        (d("2024-03-04"), 0, 0, 1, 1, True, True),      # Mon: the evening event (03-05 in UTC)
        (d("2024-03-05"), 0, 1, 0, 1, True, True),      # Tue: the 23:59 email
        (d("2024-03-06"), 0, 1, 0, 1, True, True),      # Wed: the Task created at 21:00
        (d("2024-03-07"), 0, 0, 0, 0, True, True),
        (d("2024-03-08"), 6, 0, 0, 6, True, False),     # Fri: Task + 5 afternoon calls, not low
        (d("2024-03-09"), 0, 0, 0, 0, False, False),    # Sat: nothing (in UTC it had 5 calls)
        (d("2024-03-10"), 0, 0, 0, 0, False, False),
        (d("2024-03-11"), 0, 0, 1, 1, True, True),      # Mon: the 19:00 PDT event
        (d("2024-03-12"), 0, 0, 0, 0, True, True),
        (d("2024-03-13"), 0, 0, 0, 0, True, True),
        (d("2024-03-14"), 0, 0, 0, 0, True, True),
        (d("2024-03-15"), 0, 0, 0, 0, True, True),
    ]
    assert query(warehouse, "select min(activity_date) from marts.rep_activities where rep_id = ?",
                 [R_TOKYO]) == [(d("2024-03-05"),)]


def test_gong_call_dates_follow_daylight_saving(warehouse):
    rows = query(warehouse, """
        select call_id, rep_id, started_at, call_date, started_at_local, time_zone
        from intermediate.int_gong_calls order by call_id""")
    assert rows == [
        ("7000000000000000001", R_LA, ts("2024-03-10 07:30"), d("2024-03-09"), ts("2024-03-09 23:30"),
         "America/Los_Angeles"),   # PST, UTC-8: Saturday
        ("7000000000000000002", R_LA, ts("2024-03-11 07:30"), d("2024-03-11"), ts("2024-03-11 00:30"),
         "America/Los_Angeles"),   # PDT, UTC-7: Monday
    ]


def test_deal_dates_are_the_owners_local_dates(warehouse):
    rows = query(warehouse, """
        select first_meeting_date, last_touch_date from intermediate.int_deal_facts where opportunity_id = ?""",
                 [D1])
    # First meeting: the Monday evening event (03-05 in UTC). Last touch: the 03-11 19:00
    # PDT event (03-12 in UTC) and the 03-11 00:30 PDT call.
    assert rows == [(d("2024-03-04"), d("2024-03-11"))]


def test_best_time_is_in_the_owners_local_time(warehouse):
    rows = query_dicts(warehouse, """
        select opportunity_id, best_time, best_time_zone from marts.next_best_actions order by 1""")
    assert rows == [
        # Two events Mon 19:30 PST and Mon 19:00 PDT (both Tue 02:00-04:00 in UTC), one call
        # Sat 23:30, one Mon 00:30: Monday 18:00-20:00 in Los Angeles.
        {"opportunity_id": D1, "best_time": "Mon 18:00-20:00", "best_time_zone": "America/Los_Angeles"},
        # Ora's one Event with Globex (on the account, no WhatId): 2024-03-05 04:30 UTC is
        # Mon 23:30 EST in New York, the Organization's zone (Tue 04:00-06:00 in UTC).
        {"opportunity_id": D2, "best_time": "Mon 22:00-24:00", "best_time_zone": "America/New_York"},
    ]


@pytest.fixture(scope="module")
def rezoned(built, tmp_path_factory):
    """The next night: Lee moves to New York and the Organization to Chicago. An incremental
    build, then a full refresh of a copy: (incremental, full refresh)."""
    landing, warehouse, _ = built
    root = tmp_path_factory.mktemp("local_time_rezoned")
    shutil.copytree(landing, root / "landing")
    landing = root / "landing"
    incremental = root / "incremental.duckdb"
    shutil.copy(warehouse, incremental)
    write_crm(landing, "User", [user(R_LA, "Lee Angeles", "lee@vendor.example", "America/New_York",
                                     modstamp="2024-03-15T12:00:00Z")], suffix="zz")
    write_crm(landing, "Organization", [
        {"Id": ORG_NEW, "TimeZoneSidKey": "America/Chicago", "SystemModstamp": "2024-03-15T12:00:00Z"}],
        suffix="zz")
    load_raw(landing, incremental)
    dbt(BUILD, incremental, AS_OF)
    full = root / "full.duckdb"
    shutil.copy(incremental, full)
    dbt([*BUILD, "--full-refresh"], full, AS_OF)
    return incremental, full


TABLES = {
    "intermediate.int_activities": "* exclude (_loaded_through)",
    "intermediate.int_gong_calls": "*",
    "intermediate.int_users": "*",
    "marts.rep_activities": "* exclude (built_at_as_of)",
    "marts.next_best_actions": "opportunity_id, best_time, best_time_zone",
}


def _rows(warehouse, table: str) -> list[tuple]:
    return sorted(query(warehouse, f"select {TABLES[table]} from {table}"), key=repr)


def test_a_changed_zone_rebuilds_the_sellers_rows_incrementally(rezoned):
    incremental, full = rezoned
    for table in TABLES:
        assert _rows(incremental, table) == _rows(full, table), table
    zones = dict(query(incremental, "select source_id, time_zone from intermediate.int_activities"))
    assert zones["outreach:la-email"] == "America/New_York"
    assert zones["00U000000000003AAA"] == "America/Chicago"     # R_ORG follows the Organization
    assert zones["outreach:nobody"] == "America/Chicago"        # so do rows without a known rep
    assert zones["outreach:tokyo-email"] == "Asia/Tokyo"        # untouched
    # 2024-03-06 07:59 UTC is 02:59 EST on Wednesday 03-06 in New York (Tuesday in LA).
    assert query(incremental, "select activity_date from intermediate.int_activities where source_id = ?",
                 ["outreach:la-email"]) == [(d("2024-03-06"),)]


@pytest.fixture(scope="module")
def defaulted(tmp_path_factory):
    """No Organization and a configured default zone: users without a zone take it."""
    root = tmp_path_factory.mktemp("local_time_default")
    landing = root / "landing"
    write_crm(landing, "User", [user(R_ORG, "Ora Org", "ora@vendor.example", ""),
                                user(R_LA, "Lee Angeles", "lee@vendor.example", "America/Los_Angeles")])
    write_activities(landing, [
        # 2024-03-04 23:30 UTC is Tuesday 03-05 00:30 CET in Berlin.
        log("berlin-email", R_ORG, "email", "2024-03-04T23:30:00Z"),
        log("la-email", R_LA, "email", "2024-03-04T23:30:00Z"),   # Monday 15:30 PST
    ])
    warehouse = root / "warehouse.duckdb"
    load_raw(landing, warehouse)
    dbt(["build", "--select", "+int_activities", "--indirect-selection", "cautious"], warehouse, AS_OF,
        extra_vars={"default_time_zone": "Europe/Berlin"})
    return warehouse


def test_a_user_without_any_zone_takes_the_configured_default(defaulted):
    assert query(defaulted, "select user_id, time_zone, time_zone_source from intermediate.int_users order by 1") == [
        (R_LA, "America/Los_Angeles", "user"),
        (R_ORG, "Europe/Berlin", "default"),
    ]
    assert query(defaulted, "select source_id, activity_date, time_zone from intermediate.int_activities "
                            "order by 1") == [
        ("outreach:berlin-email", d("2024-03-05"), "Europe/Berlin"),
        ("outreach:la-email", d("2024-03-04"), "America/Los_Angeles"),
    ]
