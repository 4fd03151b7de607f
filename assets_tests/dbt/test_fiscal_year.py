"""Fiscal year from Organization.FiscalYearStartMonth (issue 15, point 4; landing-zone
contract "Fiscal year"), end to end: landing zone -> raw -> dbt -> rep_performance, and the
coaching step's attainment, on one tiny org built twice, with and without crm/Organization.csv.

The org (as_of 2026-01-10): AE A1 (manager M1). Quotas with Periods P1 2025-02-01..04-30
(89 days, 89 000: 1 000 a day) and P2 2025-05-01..07-31 (92 days, 92 000: 1 000 a day).
Won deals: D1 14 500 closed 2025-01-20, D2 44 500 closed 2025-02-03, D3 69 000 closed
2025-06-10.

With Organization FiscalYearStartMonth = 2 (the latest of two Organization rows; the older
says 7; a third, later one says 13 and is quarantined): FY2026 = Feb 2025 - Jan 2026.
  2025-Q4 2024-11-01..2025-01-31 (FY2025 = Feb 2024 - Jan 2025): D1; no quota.
  2026-Q1 2025-02-01..04-30: D2 44 500 / quota 89 000 = 0.5; YTD the same: 0.5.
  2026-Q2 2025-05-01..07-31: D3 69 000 / 92 000 = 0.75; YTD (02-01..07-31)
          (44 500 + 69 000) / (89 000 + 92 000) = 113 500 / 181 000.
  2026-Q3 08-01..10-31, 2026-Q4 2025-11-01..2026-01-31 (current, 71 of 92 days).
Without Organization (settings default, January): FY = calendar year.
  2025-Q1 01-01..03-31: D1 + D2 = 59 000 / quota 02-01..03-31 = 59 000 -> 1.0; YTD 1.0.
  2025-Q2 04-01..06-30: D3 69 000 / (30 000 + 61 000) = 69/91; YTD
          (59 000 + 69 000) / (59 000 + 91 000) = 128 000 / 150 000.
  ... 2026-Q1 2026-01-01..03-31 (current, 10 of 90 days).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from coaching_pipeline.coaching.attainment import attainment_at
from coaching_pipeline.coaching.evidence import QUERIES, SCHEMAS, Evidence
from coaching_pipeline.config import settings
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.fiscal import fiscal_year_start_month, organization_start_month

from ..landing import write_crm
from ..warehouse import dbt, load_raw, query, query_dicts

pytestmark = pytest.mark.xdist_group("fiscal_year")

AS_OF = dt.date(2026, 1, 10)
D = dt.date


def sfid(prefix: str, tag: str) -> str:
    return f"{prefix}{tag:0>12}AAA"


A1, M1 = sfid("005", "A1"), sfid("005", "M1")
P1, P2 = sfid("026", "P1"), sfid("026", "P2")
DEALS = [("D1", 14500, "2025-01-20"), ("D2", 44500, "2025-02-03"), ("D3", 69000, "2025-06-10")]
ORGANIZATION = [
    {"Id": sfid("00D", "ORG1"), "FiscalYearStartMonth": "7", "DefaultCurrencyIsoCode": "USD",
     "TimeZoneSidKey": "America/Los_Angeles", "SystemModstamp": "2024-01-01T00:00:00Z"},
    {"Id": sfid("00D", "ORG2"), "FiscalYearStartMonth": "2", "DefaultCurrencyIsoCode": " EUR ",
     "TimeZoneSidKey": "Europe/Berlin", "SystemModstamp": "2025-01-01T00:00:00Z"},
    {"Id": sfid("00D", "ORG3"), "FiscalYearStartMonth": "13", "SystemModstamp": "2025-06-01T00:00:00Z"},
]


def write_landing(landing, organization: bool) -> None:
    write_crm(landing, "User", [
        {"Id": A1, "Name": "Ann One", "Email": "a1@vendor.example", "IsActive": "true", "ManagerId": M1,
         "Sales_Role__c": "AE"},
        {"Id": M1, "Name": "Mia Manager", "Email": "m1@vendor.example", "IsActive": "true", "ManagerId": "",
         "Sales_Role__c": "MANAGER"},
    ])
    write_crm(landing, "Opportunity", [
        {"Id": sfid("006", tag), "OwnerId": A1, "Name": f"Deal {tag}", "StageName": "Closed Won",
         "Amount": amount, "CloseDate": close, "CreatedDate": "2025-01-06T09:00:00Z",
         "IsClosed": "true", "IsWon": "true"}
        for tag, amount, close in DEALS
    ])
    write_crm(landing, "Period", [
        {"Id": P1, "StartDate": "2025-02-01", "EndDate": "2025-04-30", "Type": "Quarter"},
        {"Id": P2, "StartDate": "2025-05-01", "EndDate": "2025-07-31", "Type": "Quarter"},
    ])
    write_crm(landing, "ForecastingQuota", [
        {"QuotaOwnerId": A1, "StartDate": "2025-02-01", "QuotaAmount": "89000", "PeriodId": P1},
        {"QuotaOwnerId": A1, "StartDate": "2025-05-01", "QuotaAmount": "92000", "PeriodId": P2},
    ])
    if organization:
        write_crm(landing, "Organization", ORGANIZATION)


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    built = {}
    for name, organization in (("february", True), ("default", False)):
        root = tmp_path_factory.mktemp(f"fiscal_{name}")
        landing, warehouse = root / "landing", root / "warehouse.duckdb"
        write_landing(landing, organization)
        load_raw(landing, warehouse)
        # as the dbt step does: the month read from raw.organization, passed in the environment
        dbt(["build", "--select", "+rep_performance stg_salesforce__organization",
             "--indirect-selection", "cautious"], warehouse, AS_OF)
        built[name] = warehouse
    return built


QUARTER_COLUMNS = "fiscal_quarter, fiscal_year, quarter_number, quarter_start, quarter_end, is_current_quarter"


def quarters(warehouse):
    return query(warehouse, f"select {QUARTER_COLUMNS}, elapsed_days, fiscal_year_start "
                            "from intermediate.int_fiscal_quarters order by quarter_start")


def performance(warehouse):
    rows = query_dicts(warehouse, "select * from marts.rep_performance where rep_id = ? order by quarter_start", [A1])
    return {r["fiscal_quarter"]: r for r in rows}


def as_float(value):
    return None if value is None else float(value)


# --- the Organization object -----------------------------------------------------------------------
def test_organization_loads_and_the_latest_valid_row_is_the_org(warehouses):
    wh = warehouses["february"]
    # month 13 is quarantined: two rows reach raw
    assert query(wh, "select id, fiscal_year_start_month from raw.organization order by id") == [
        (sfid("00D", "ORG1"), 7), (sfid("00D", "ORG2"), 2)]
    assert query(wh, "select organization_id, default_currency_iso_code, time_zone_sid_key, fiscal_year_start_month,"
                     " is_latest from staging.stg_salesforce__organization order by organization_id") == [
        (sfid("00D", "ORG1"), "USD", "America/Los_Angeles", 7, False),
        (sfid("00D", "ORG2"), "EUR", "Europe/Berlin", 2, True),
    ]
    con = open_warehouse(wh, read_only=True)
    try:
        assert (organization_start_month(con), fiscal_year_start_month(con)) == (2, 2)
    finally:
        con.close()


def test_without_organization_the_table_is_empty_and_the_default_applies(warehouses):
    wh = warehouses["default"]
    assert query(wh, "select count(*) from raw.organization") == [(0,)]
    assert query(wh, "select count(*) from staging.stg_salesforce__organization") == [(0,)]
    con = open_warehouse(wh, read_only=True)
    try:
        assert organization_start_month(con) is None
        assert fiscal_year_start_month(con) == settings().fiscal.year_start_month == 1
    finally:
        con.close()


def _raw_organization(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.organization (id varchar, fiscal_year_start_month bigint, is_deleted boolean,"
                " _fivetran_deleted boolean, system_modstamp timestamp, last_modified_date timestamp,"
                " _source_file varchar, _source_row bigint)")
    con.executemany("insert into raw.organization values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return con


def test_the_start_month_rule():
    f = "crm/Organization.csv"
    # latest by SystemModstamp; the latest row without a month means the default
    con = _raw_organization([("A", 4, None, None, "2025-01-01", None, f, 1), ("B", None, None, None, "2025-02-01", None, f, 2)])
    assert (organization_start_month(con), fiscal_year_start_month(con)) == (None, 1)
    # a deleted row is not the org; without timestamps the later file (then row) wins
    con = _raw_organization([("A", 4, None, None, None, None, "crm/Organization__1.csv", 1),
                             ("B", 10, None, None, None, None, "crm/Organization__2.csv", 1),
                             ("C", 3, True, None, None, None, "crm/Organization__3.csv", 1)])
    assert organization_start_month(con) == 10
    # a warehouse from before the object existed
    assert organization_start_month(duckdb.connect()) is None
    assert fiscal_year_start_month(None) == 1


# --- fiscal quarters -------------------------------------------------------------------------------
def test_february_start_quarter_names(warehouses):
    assert quarters(warehouses["february"]) == [
        ("2025-Q4", 2025, 4, D(2024, 11, 1), D(2025, 1, 31), False, 92, D(2024, 2, 1)),
        ("2026-Q1", 2026, 1, D(2025, 2, 1), D(2025, 4, 30), False, 89, D(2025, 2, 1)),
        ("2026-Q2", 2026, 2, D(2025, 5, 1), D(2025, 7, 31), False, 92, D(2025, 2, 1)),
        ("2026-Q3", 2026, 3, D(2025, 8, 1), D(2025, 10, 31), False, 92, D(2025, 2, 1)),
        ("2026-Q4", 2026, 4, D(2025, 11, 1), D(2026, 1, 31), True, 71, D(2025, 2, 1)),
    ]


def test_default_january_quarter_names(warehouses):
    assert quarters(warehouses["default"]) == [
        ("2025-Q1", 2025, 1, D(2025, 1, 1), D(2025, 3, 31), False, 90, D(2025, 1, 1)),
        ("2025-Q2", 2025, 2, D(2025, 4, 1), D(2025, 6, 30), False, 91, D(2025, 1, 1)),
        ("2025-Q3", 2025, 3, D(2025, 7, 1), D(2025, 9, 30), False, 92, D(2025, 1, 1)),
        ("2025-Q4", 2025, 4, D(2025, 10, 1), D(2025, 12, 31), False, 92, D(2025, 1, 1)),
        ("2026-Q1", 2026, 1, D(2026, 1, 1), D(2026, 3, 31), True, 10, D(2026, 1, 1)),
    ]


# --- rep_performance -------------------------------------------------------------------------------
def _money(row, *columns):
    return tuple(as_float(row[c]) for c in columns)


MONEY = ("closed_won_amount", "quota_amount", "attainment", "ytd_attainment")


def test_february_start_rep_performance(warehouses):
    perf = performance(warehouses["february"])
    assert list(perf) == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    # D2, closed 2025-02-03, is in FY2026's first quarter
    q1 = perf["2026-Q1"]
    assert (q1["quarter_start"], q1["quarter_end"], q1["won_count"]) == (D(2025, 2, 1), D(2025, 4, 30), 1)
    assert _money(q1, *MONEY) == (44500.0, 89000.0, 0.5, 0.5)
    q2 = perf["2026-Q2"]
    assert _money(q2, *MONEY[:3]) == (69000.0, 92000.0, 0.75)
    assert as_float(q2["ytd_attainment"]) == pytest.approx(113500 / 181000, rel=1e-12)
    # D1 (2025-01-20) closes FY2025, which has no quota: no attainment, no YTD
    assert _money(perf["2025-Q4"], *MONEY) == (14500.0, None, None, None)
    assert _money(perf["2026-Q4"], *MONEY) == (0.0, None, None, None)


def test_default_january_rep_performance(warehouses):
    perf = performance(warehouses["default"])
    assert list(perf) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    q1 = perf["2025-Q1"]
    assert (q1["quarter_start"], q1["won_count"]) == (D(2025, 1, 1), 2)
    assert _money(q1, *MONEY) == (59000.0, 59000.0, 1.0, 1.0)
    q2 = perf["2025-Q2"]
    assert _money(q2, *MONEY[:2]) == (69000.0, 91000.0)
    assert as_float(q2["attainment"]) == pytest.approx(69000 / 91000, rel=1e-12)
    assert as_float(q2["ytd_attainment"]) == pytest.approx(128000 / 150000, rel=1e-12)


# --- the coaching step reads the same month -------------------------------------------------------
def test_coaching_attainment_uses_the_organization_quarter(warehouses):
    con = open_warehouse(warehouses["february"], read_only=True)
    try:
        # the frames attainment reads (the build stops at rep_performance: no Gong staging)
        evidence = Evidence(**{name: con.execute(f"select {', '.join(SCHEMAS[name])} {QUERIES[name]}").pl()
                               for name in ("users", "deals", "quota_periods")})
        got = attainment_at(evidence, D(2025, 2, 10), year_start_month=fiscal_year_start_month(con))
    finally:
        con.close()
    [row] = got.filter(got["rep_id"] == A1).to_dicts()
    # last day of data 02-09: won in [02-01, 02-09] = D2; the quarter's full quota 89 000
    assert (row["fiscal_quarter"], row["quarter_start"], row["quarter_end"], row["days_left"]) == (
        "2026-Q1", D(2025, 2, 1), D(2025, 4, 30), 80)
    assert (as_float(row["won_amount"]), as_float(row["quota_amount"]), as_float(row["attainment"])) == (
        44500.0, 89000.0, 0.5)
