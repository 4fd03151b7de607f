"""marts.rep_activities on a hand-written landing zone: the dense day grid of each seller,
the activity classification, business and low days, and the incremental build (a nightly
run with one more day writes only new rows and rows whose counts changed, late activities
included; a full refresh gives the same rows; a run for an earlier as_of drops the later
days).

Calendar used: 2025-02-28 is a Friday, 2025-03-01/02 and 03-08/09 are weekends,
2025-03-12 (AS_OF) is a Wednesday and 2025-03-13 (NEXT_DAY) a Thursday."""

from __future__ import annotations

import datetime as dt

import pytest

from ..landing import write_activities, write_crm
from ..warehouse import dbt, load_raw, query

# The module fixture builds once: its tests stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("mart_rep_activities")

AS_OF = dt.date(2025, 3, 12)
NEXT_DAY = dt.date(2025, 3, 13)
# The model, everything upstream and the tests of those models only ("cautious": a test
# that also reads a model outside the selection, e.g. a quota model, is not run).
BUILD = ["build", "--select", "+rep_activities", "--indirect-selection", "cautious"]

R1 = "005000000000001AAA"  # AE, the busy seller
R2 = "005000000000002AAA"  # SDR (role from the UserRole name), starts on 03-10
R3 = "005000000000003AAA"  # AM, no activity until a late file names 03-01
M1 = "005000000000009AAA"  # manager: not a seller
N1 = "005000000000008AAA"  # user without a sales role: not a seller

COLUMNS = ("call", "email", "meeting", "demo", "social", "task", "other")


def d(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


def log_rows(prefix: str, rep: str, activity_type: str, occurred_at: str, n: int = 1, **extra) -> list[dict]:
    return [
        {"activity_id": f"{prefix}{i}", "source": "outreach", "rep_id": rep, "activity_type": activity_type,
         "occurred_at": occurred_at, **extra}
        for i in range(n)
    ]


def write_landing(landing) -> None:
    write_crm(landing, "User", [
        {"Id": R1, "Name": "Ada Rep", "Email": "ada@vendor.example", "IsActive": "true", "ManagerId": M1,
         "Sales_Role__c": "AE"},
        {"Id": R2, "Name": "Sid Rep", "Email": "sid@vendor.example", "IsActive": "true", "ManagerId": M1,
         "UserRoleId": "00E000000000001AAA"},
        {"Id": R3, "Name": "Amy Rep", "Email": "amy@vendor.example", "IsActive": "true", "ManagerId": M1,
         "Sales_Role__c": "am"},
        {"Id": M1, "Name": "Max Manager", "Email": "max@vendor.example", "IsActive": "true",
         "Sales_Role__c": "MANAGER"},
        {"Id": N1, "Name": "Ops Person", "Email": "ops@vendor.example", "IsActive": "true"},
    ])
    write_crm(landing, "UserRole", [{"Id": "00E000000000001AAA", "Name": "BDR West"}])
    write_crm(landing, "Task", [
        {"Id": "00T000000000001AAA", "OwnerId": R1, "ActivityDate": "2025-03-03", "TaskSubtype": "Call"},
        {"Id": "00T000000000002AAA", "OwnerId": R1, "ActivityDate": "2025-03-03", "TaskSubtype": "Email"},
        {"Id": "00T000000000003AAA", "OwnerId": R1, "ActivityDate": "2025-03-03", "TaskSubtype": "ListEmail"},
        {"Id": "00T000000000004AAA", "OwnerId": R1, "ActivityDate": "2025-03-03", "TaskSubtype": "LinkedIn"},
        {"Id": "00T000000000005AAA", "OwnerId": R1, "ActivityDate": "2025-03-03", "TaskSubtype": "Task"},
        # No ActivityDate: the UTC date of CreatedDate, 2025-03-07 03:30 UTC -> 03-07.
        {"Id": "00T000000000006AAA", "OwnerId": R1, "ActivityDate": "",
         "CreatedDate": "2025-03-06T22:30:00-05:00", "TaskSubtype": "Email"},
        # The manager's task: not counted anywhere.
        {"Id": "00T000000000007AAA", "OwnerId": M1, "ActivityDate": "2025-03-03", "TaskSubtype": "Call"},
    ])
    write_crm(landing, "Event", [
        {"Id": "00U000000000001AAA", "OwnerId": R1, "StartDateTime": "2025-03-03T15:00:00Z", "Type": "Demo",
         "Subject": "Platform"},
        {"Id": "00U000000000002AAA", "OwnerId": R1, "StartDateTime": "2025-03-03T17:00:00Z", "Type": "Meeting",
         "Subject": "Quarterly DEMO prep"},
        {"Id": "00U000000000003AAA", "OwnerId": R1, "StartDateTime": "2025-03-03T19:00:00Z", "Type": "Meeting",
         "Subject": "Check-in"},
        # 2025-03-10 23:30 at -05:00 is 2025-03-11 04:30 UTC: counts on 03-11.
        {"Id": "00U000000000004AAA", "OwnerId": R1, "StartDateTime": "2025-03-10T23:30:00-05:00",
         "Type": "Meeting", "Subject": "Dinner"},
    ])
    write_activities(landing, [
        *log_rows("a1-", R1, "call", "2025-03-03T10:00:00Z"),
        *log_rows("a2-", R1, "Voicemail", "2025-03-03T11:00:00Z"),  # unknown type -> other
        *log_rows("a3-", R1, "social", "2025-02-28T12:00:00Z"),  # R1's first activity
        *log_rows("a4-", R1, "email", "2025-03-04T09:00:00Z", n=3),
        # Named by email only (any case): still R1's.
        {"activity_id": "a5", "source": "outreach", "rep_email": "ADA@Vendor.example", "activity_type": "EMAIL",
         "occurred_at": "2025-03-04T16:00:00Z"},
        *log_rows("a6-", R1, "call", "2025-03-05T09:00:00Z", n=5),
        *log_rows("a7-", R1, "DEMO", "2025-03-06T09:00:00Z"),
        *log_rows("a8-", R1, "call", "2025-03-08T09:00:00Z"),  # a Saturday
        *log_rows("a9-", R1, "call", "2025-03-20T09:00:00Z"),  # after both as_of dates: ignored
        *log_rows("b1-", R2, "call", "2025-03-10T09:00:00Z", n=2),
        *log_rows("m1-", M1, "call", "2025-03-03T09:00:00Z"),  # manager: not counted
        *log_rows("n1-", N1, "call", "2025-03-03T09:00:00Z"),  # no sales role: not counted
        {"activity_id": "u1", "source": "outreach", "rep_email": "nobody@vendor.example",
         "activity_type": "call", "occurred_at": "2025-03-03T09:00:00Z"},  # unknown rep: not counted
    ])


# The next night's extract: one more day for R1, an email of 03-10 and a call of 03-03 that
# arrived late, and R3's first activity ever, dated 03-01.
NEXT_DAY_FILE = [
    *log_rows("c1-", R1, "call", "2025-03-13T09:00:00Z", n=2),
    *log_rows("c2-", R1, "email", "2025-03-10T09:00:00Z"),
    *log_rows("c3-", R3, "meeting", "2025-03-01T09:00:00Z"),
    *log_rows("c4-", R1, "call", "2025-03-03T09:00:00Z"),
]


def counts(**kw) -> tuple:
    return tuple(kw.get(c, 0) for c in COLUMNS)


# Days with at least one activity, as (call, email, meeting, demo, social, task, other).
R1_DAYS = {
    d("2025-02-28"): counts(social=1),
    # T1 + a1 calls; T2 + T3 emails; E3 meeting; E1 (Type Demo) + E2 (subject) demos;
    # T4 LinkedIn social; T5 task; a2 voicemail other.
    d("2025-03-03"): counts(call=2, email=2, meeting=1, demo=2, social=1, task=1, other=1),
    d("2025-03-04"): counts(email=4),
    d("2025-03-05"): counts(call=5),
    d("2025-03-06"): counts(demo=1),
    d("2025-03-07"): counts(email=1),
    d("2025-03-08"): counts(call=1),
    d("2025-03-11"): counts(meeting=1),
}
R2_DAYS = {d("2025-03-10"): counts(call=2)}
# R1's days the late file changes.
R1_LATE = {d("2025-03-10"): counts(email=1), d("2025-03-03"): counts(call=3, email=2, meeting=1, demo=2, social=1,
                                                                       task=1, other=1)}


def dense(rep: str, first: dt.date, last: dt.date, days: dict) -> dict:
    """Expected rows: every date first..last, zeros where `days` has nothing."""
    out = {}
    day = first
    while day <= last:
        out[(rep, day)] = days.get(day, counts())
        day += dt.timedelta(days=1)
    return out


def table(warehouse) -> dict:
    rows = query(warehouse, """
        select rep_id, activity_date, call_count, email_count, meeting_count, demo_count, social_count,
               task_count, other_count, activity_count, is_business_day, is_low_day, built_at_as_of
        from marts.rep_activities
    """)
    return {(r[0], r[1]): r[2:] for r in rows}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Built as of AS_OF; then the next night's file lands and an incremental build runs as
    of NEXT_DAY; then a full refresh as of NEXT_DAY; then an incremental build back as of
    AS_OF (a re-run for an earlier date). The table after each step."""
    root = tmp_path_factory.mktemp("rep_activities")
    landing = root / "landing"
    warehouse = root / "warehouse.duckdb"
    write_landing(landing)
    load_raw(landing, warehouse)
    dbt(BUILD, warehouse, AS_OF)
    first = table(warehouse)
    write_activities(landing, NEXT_DAY_FILE, name="activities_2.csv")
    load_raw(landing, warehouse)
    dbt(BUILD, warehouse, NEXT_DAY)
    incremental = table(warehouse)
    dbt([*BUILD, "--full-refresh"], warehouse, NEXT_DAY)
    refreshed = table(warehouse)
    dbt(BUILD, warehouse, AS_OF)
    back = table(warehouse)
    return first, incremental, refreshed, back


def type_counts(rows: dict) -> dict:
    return {key: row[:7] for key, row in rows.items()}


def test_one_dense_row_per_seller_and_day_from_first_activity_to_as_of(built):
    first, *_ = built
    # R1: 02-28 .. 03-12 = 13 rows; R2: 03-10 .. 03-12 = 3 rows. R3 has no activity yet,
    # the manager, the role-less user and the unknown email have no rows.
    expected = dense(R1, d("2025-02-28"), AS_OF, R1_DAYS) | dense(R2, d("2025-03-10"), AS_OF, R2_DAYS)
    assert len(expected) == 16
    assert type_counts(first) == expected


def test_activity_count_business_and_low_days(built):
    first, *_ = built
    # (activity_count, is_business_day, is_low_day): call + email + meeting + demo only;
    # low = business day with fewer than 5.
    expected = {
        d("2025-02-28"): (0, True, True),      # Fri, a social touch only
        d("2025-03-01"): (0, False, False),    # Sat, zero row
        d("2025-03-02"): (0, False, False),    # Sun
        d("2025-03-03"): (7, True, False),     # 2 + 2 + 1 + 2; social, task, other not counted
        d("2025-03-04"): (4, True, True),
        d("2025-03-05"): (5, True, False),     # exactly the threshold: not low
        d("2025-03-06"): (1, True, True),
        d("2025-03-07"): (1, True, True),
        d("2025-03-08"): (1, False, False),    # Sat: never low
        d("2025-03-09"): (0, False, False),
        d("2025-03-10"): (0, True, True),      # Mon without activity: a zero row, low
        d("2025-03-11"): (1, True, True),
        d("2025-03-12"): (0, True, True),
    }
    assert {day: first[(R1, day)][7:10] for day in expected} == expected
    assert [first[(R2, day)][7:10] for day in (d("2025-03-10"), d("2025-03-11"), d("2025-03-12"))] == [
        (2, True, True), (0, True, True), (0, True, True),
    ]


def test_incremental_run_writes_only_new_and_changed_rows(built):
    first, incremental, *_ = built
    written = {key for key, row in incremental.items() if row[-1] == NEXT_DAY}
    # R1: the two late days and the new day; R2: its new (empty) day; R3 is new: all its rows.
    assert written == (
        {(R1, d("2025-03-03")), (R1, d("2025-03-10")), (R1, NEXT_DAY), (R2, NEXT_DAY)}
        | set(dense(R3, d("2025-03-01"), NEXT_DAY, {}))
    )
    kept = {key: row for key, row in incremental.items() if key not in written}
    assert kept == {key: first[key] for key in kept}
    assert {row[-1] for row in kept.values()} == {AS_OF}


def test_incremental_run_counts_the_new_day_and_the_late_activity(built):
    _, incremental, *_ = built
    expected = (
        dense(R1, d("2025-02-28"), NEXT_DAY, R1_DAYS | R1_LATE | {d("2025-03-13"): counts(call=2)})
        | dense(R2, d("2025-03-10"), NEXT_DAY, R2_DAYS)
        | dense(R3, d("2025-03-01"), NEXT_DAY, {d("2025-03-01"): counts(meeting=1)})
    )
    assert len(expected) == 14 + 4 + 13
    assert type_counts(incremental) == expected
    assert incremental[(R1, d("2025-03-13"))][7:10] == (2, True, True)
    assert incremental[(R1, d("2025-03-03"))][7:10] == (8, True, False)
    assert incremental[(R3, d("2025-03-01"))][7:10] == (1, False, False)


def test_full_refresh_gives_the_same_rows(built):
    _, incremental, refreshed, _ = built
    assert {k: v[:-1] for k, v in refreshed.items()} == {k: v[:-1] for k, v in incremental.items()}
    assert {row[-1] for row in refreshed.values()} == {NEXT_DAY}


def test_an_incremental_run_for_an_earlier_as_of_drops_the_later_days(built):
    *_, refreshed, back = built
    # The table ended on 03-13; as of 03-12 the run deletes 03-13. The late activities of the
    # second file (dated before 03-12) stay; no count changed, so no other row is written.
    expected = (
        dense(R1, d("2025-02-28"), AS_OF, R1_DAYS | R1_LATE)
        | dense(R2, d("2025-03-10"), AS_OF, R2_DAYS)
        | dense(R3, d("2025-03-01"), AS_OF, {d("2025-03-01"): counts(meeting=1)})
    )
    assert type_counts(back) == expected
    assert back == {key: row for key, row in refreshed.items() if key[1] <= AS_OF}
