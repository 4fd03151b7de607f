"""Exact money and Salesforce's multi-currency semantics, end to end from the landing zone
to the marts (landing-zone contract, "Money, currencies, local time, fiscal year").

The org: corporate USD (CurrencyType.IsCorporate); EUR with a static rate of 0.95 and dated
rates 0.8 until 2025-01-31 and 0.9 from 2025-02-01 (open-ended); JPY static 150. as_of
2025-03-31, the last day of 2025-Q1 (fiscal year = calendar year).
- A (AE, USD): two quota rows without a Period, each 10 000.00 over 3 calendar months:
  2024-11-01..2025-01-31 (92 days, 31 of them in Q1) and 2025-02-01..04-30 (89 days, 59 in
  Q1). Q1 quota = 10 000 x 31/92 + 10 000 x 59/89 = 3 369.5652... + 6 629.2134... =
  9 998.7787... -> 9 998.78, rounded once. A won exactly that: 4 999.39 twice. Spread over
  days as binary floats this came out 0.9999998... and A was no Top Performer.
- E (AE, EUR): won EUR 9 000.00 on 2025-01-31 (rate 0.8 -> 11 250.00) and EUR 9 000.00 on
  2025-02-01 (rate 0.9 -> 10 000.00); the static 0.95 would give 9 473.68 for both. Quota
  EUR 18 000.00 for Q1 converts at the rate of its start, 2025-01-01: 22 500.00. An open
  EUR 1 000.00 deal closing 2025-04-15 is 1 111.11.
- J (AE): won JPY 1 000 000 (static 150 -> 6 666.67) and CHF 5 000.00, a code without any
  rate: it counts as a won deal, but adds nothing to sums and means.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ..landing import write_crm
from ..warehouse import dbt, load_raw, query, query_dicts

pytestmark = pytest.mark.xdist_group("money_currency")

AS_OF = dt.date(2025, 3, 31)
BUILD = ["build", "--select", "+rep_performance +deal_health_scores +top_performer_patterns",
         "--indirect-selection", "cautious"]


def sfid(prefix: str, tag: str) -> str:
    return f"{prefix}{tag:0>12}AAA"


M, A, E, J = (sfid("005", t) for t in ("M", "A", "E", "J"))
PERIOD_Q1 = sfid("026", "PQ1")


def opportunity(tag, owner, amount, close, currency="", status="won"):
    return {"Id": sfid("006", tag), "OwnerId": owner, "Name": f"Deal {tag}",
            "StageName": "Closed Won" if status == "won" else "Negotiation", "Amount": amount,
            "CurrencyIsoCode": currency, "CloseDate": close, "CreatedDate": "2024-12-01T09:00:00Z",
            "IsClosed": str(status == "won").lower(), "IsWon": str(status == "won").lower()}


def users(*sellers) -> list[dict]:
    return [{"Id": M, "Name": "Mia Manager", "Email": "m@vendor.example", "IsActive": "true",
             "Sales_Role__c": "MANAGER"}] + [
        {"Id": uid, "Name": name, "Email": f"{name.split()[0].lower()}@vendor.example", "IsActive": "true",
         "ManagerId": M, "Sales_Role__c": "AE"} for uid, name in sellers]


def write_multi_currency_landing(landing) -> None:
    write_crm(landing, "User", users((A, "Ann Dollar"), (E, "Eva Euro"), (J, "Jun Yen")))
    write_crm(landing, "CurrencyType", [
        {"IsoCode": "USD", "ConversionRate": "1.000000", "IsCorporate": "true", "IsActive": "true"},
        {"IsoCode": "EUR", "ConversionRate": "0.950000", "IsCorporate": "false", "IsActive": "true"},
        {"IsoCode": "JPY", "ConversionRate": "150.000000", "IsCorporate": "false", "IsActive": "true"},
    ])
    write_crm(landing, "DatedConversionRate", [
        {"Id": sfid("04w", "R1"), "IsoCode": "EUR", "ConversionRate": "0.8",
         "StartDate": "0001-01-01", "NextStartDate": "2025-02-01"},
        {"Id": sfid("04w", "R2"), "IsoCode": "EUR", "ConversionRate": "0.9",
         "StartDate": "2025-02-01", "NextStartDate": ""},
    ])
    write_crm(landing, "Opportunity", [
        opportunity("A1", A, "4999.39", "2025-02-10"),
        opportunity("A2", A, "4999.39", "2025-03-20", currency="USD"),
        opportunity("E1", E, "9000.00", "2025-01-31", currency="EUR"),
        opportunity("E2", E, "9000.00", "2025-02-01", currency="eur"),
        opportunity("E3", E, "1000.00", "2025-04-15", currency="EUR", status="open"),
        opportunity("J1", J, "1000000", "2025-03-03", currency="JPY"),
        opportunity("J2", J, "5000.00", "2025-03-04", currency="CHF"),
    ])
    write_crm(landing, "Period", [
        {"Id": PERIOD_Q1, "StartDate": "2025-01-01", "EndDate": "2025-03-31", "Type": "Quarter"}])
    write_crm(landing, "ForecastingQuota", [
        {"QuotaOwnerId": A, "StartDate": "2024-11-01", "QuotaAmount": "10000.00"},
        {"QuotaOwnerId": A, "StartDate": "2025-02-01", "QuotaAmount": "10000.00"},
        {"QuotaOwnerId": E, "StartDate": "2025-01-01", "QuotaAmount": "18000.00", "PeriodId": PERIOD_Q1,
         "CurrencyIsoCode": "EUR"},
    ])


@pytest.fixture(scope="module")
def multi(tmp_path_factory):
    root = tmp_path_factory.mktemp("money")
    landing, warehouse = root / "landing", root / "warehouse.duckdb"
    write_multi_currency_landing(landing)
    load_raw(landing, warehouse)
    proc = dbt(BUILD, warehouse, AS_OF)
    return warehouse, proc.stdout


def q1(warehouse) -> dict:
    return {r["rep_id"]: r for r in query_dicts(
        warehouse, "select * from marts.rep_performance where fiscal_quarter = '2025-Q1'")}


def test_a_seller_who_closes_exactly_the_pro_rata_quota_is_at_exactly_100_percent(multi):
    warehouse, _ = multi
    ann = q1(warehouse)[A]
    assert (ann["quota_amount"], ann["closed_won_amount"], ann["attainment"]) == (
        Decimal("9998.78"), Decimal("9998.78"), 1.0)
    assert ann["currency"] == "USD"
    groups = {r["group"]: r for r in query_dicts(
        warehouse, "select * from marts.top_performer_patterns where fiscal_quarter = '2025-Q1'")}
    top = groups["Top Performers (100%+ attainment)"]
    assert (top["rep_count"], top["attainment"], top["avg_deal_size"]) == (1, 1.0, Decimal("4999.39"))


def test_eur_deals_convert_at_the_dated_rate_of_their_close_date(multi):
    warehouse, _ = multi
    deals = {r[0]: r[1:] for r in query(
        warehouse, "select opportunity_id, amount, amount_local, currency_iso_code, conversion_rate "
                   "from intermediate.int_deal_facts")}
    assert deals[sfid("006", "E1")] == (Decimal("11250.00"), Decimal("9000.00"), "EUR", Decimal("0.800000"))
    assert deals[sfid("006", "E2")] == (Decimal("10000.00"), Decimal("9000.00"), "EUR", Decimal("0.900000"))
    assert deals[sfid("006", "J1")] == (Decimal("6666.67"), Decimal("1000000.00"), "JPY", Decimal("150.000000"))
    # no CurrencyIsoCode: the corporate currency
    assert deals[sfid("006", "A1")] == (Decimal("4999.39"), Decimal("4999.39"), "USD", Decimal("1.000000"))
    eva = q1(warehouse)[E]
    # the EUR quota converts at the rate of its period's start (0.8): 18 000 / 0.8
    assert (eva["quota_amount"], eva["closed_won_amount"], eva["avg_deal_size"]) == (
        Decimal("22500.00"), Decimal("21250.00"), Decimal("10625.00"))
    assert eva["attainment"] == pytest.approx(21250 / 22500, rel=1e-15)
    [open_deal] = query_dicts(warehouse, "select amount, amount_local, currency_iso_code "
                                         "from marts.deal_health_scores where not is_closed")
    assert open_deal == {"amount": Decimal("1111.11"), "amount_local": Decimal("1000.00"), "currency_iso_code": "EUR"}


def test_a_code_without_a_rate_loads_counts_and_is_never_summed_as_corporate(multi):
    warehouse, dbt_log = multi
    jun = q1(warehouse)[J]
    assert (jun["won_count"], jun["closed_won_amount"], jun["avg_deal_size"], jun["quota_amount"]) == (
        2, Decimal("6666.67"), Decimal("6666.67"), None)
    assert query(warehouse, "select amount, amount_local from intermediate.int_deal_facts where opportunity_id = ?",
                 [sfid("006", "J2")]) == [(None, Decimal("5000.00"))]
    # the data-quality report (a warning test) counts it
    assert "Warning in test intermediate_amounts_in_unknown_currencies" in dbt_log
    assert "Got 1 result" in dbt_log.split("Warning in test intermediate_amounts_in_unknown_currencies")[1][:400]


def test_money_is_decimal_from_the_raw_layer_to_the_marts(multi):
    warehouse, _ = multi
    types = dict(query(warehouse, """
        select table_schema || '.' || table_name || '.' || column_name, data_type
        from information_schema.columns
        where column_name in ('amount', 'amount_local', 'quota_amount', 'quota_amount_local', 'closed_won_amount',
                              'avg_deal_size', 'team_avg_deal_size', 'open_pipeline_amount', 'priority_score',
                              'ytd_quota_amount', 'ytd_closed_won_amount', 'conversion_rate')"""))
    assert types["raw.opportunity.amount"] == "DECIMAL(18,2)"
    assert types["raw.forecasting_quota.quota_amount"] == "DECIMAL(18,2)"
    assert types["raw.dated_conversion_rate.conversion_rate"] == "DECIMAL(18,6)"
    money_types = {k: v for k, v in types.items() if k.split(".")[0] in ("intermediate", "marts")
                   and not k.endswith("conversion_rate")}
    assert money_types and set(money_types.values()) == {"DECIMAL(18,2)"}, money_types


def test_without_currency_types_the_organization_names_the_corporate_currency(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    write_crm(landing, "Organization", [{"Id": sfid("00D", "ORG"), "DefaultCurrencyIsoCode": "EUR"}])
    write_crm(landing, "User", users((E, "Eva Euro")))
    write_crm(landing, "Opportunity", [
        opportunity("N1", E, "1234.56", "2025-02-10"),
        opportunity("N2", E, "1000.00", "2025-02-11", currency="EUR"),
        opportunity("N3", E, "999.99", "2025-02-12", currency="USD"),  # no rate in this org
    ])
    load_raw(landing, warehouse)
    dbt(["build", "--select", "+rep_performance", "--indirect-selection", "cautious"], warehouse, AS_OF)
    assert query(warehouse, "select * from intermediate.int_corporate_currency") == [("EUR", "organization")]
    [row] = query_dicts(warehouse, "select currency, won_count, closed_won_amount from marts.rep_performance "
                                   "where fiscal_quarter = '2025-Q1'")
    assert row == {"currency": "EUR", "won_count": 3, "closed_won_amount": Decimal("2234.56")}


def test_a_warehouse_from_before_exact_money_gets_decimal_amounts(tmp_path):
    import duckdb

    from coaching_pipeline.ingest import configured_objects
    from coaching_pipeline.ingest.loader import ensure_raw_tables

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("create schema raw")
    con.execute("create table raw.opportunity (id varchar, amount double)")
    con.execute("insert into raw.opportunity values ('a', 0.1 + 0.2), ('b', 1234.565), ('c', null)")
    ensure_raw_tables(con, configured_objects())
    assert con.execute("select data_type from information_schema.columns where table_schema = 'raw' "
                       "and table_name = 'opportunity' and column_name = 'amount'").fetchone() == ("DECIMAL(18,2)",)
    assert con.execute("select id, amount from raw.opportunity order by id").fetchall() == [
        ("a", Decimal("0.30")), ("b", Decimal("1234.57")), ("c", None)]
