"""The project's model-level generic test column_rules (dbt_project/tests/generic/) fails
when any of its rules breaks and names the rule, the column, what was expected and an
example: the small landing zone built, then its built staging tables broken by hand (a
null stage name, a duplicated deal, a negative amount, a probability above 100, a deal of
an unknown account, an unexpected period type (a warning), a duplicated call tracker and a negative
tracker count), then `dbt test` on them."""

from __future__ import annotations

import datetime as dt

from coaching_pipeline.db import open_warehouse

from ..landing import gong_call, write_gong_page, write_small_landing
from ..warehouse import dbt, load_raw, query

AS_OF = dt.date(2025, 3, 15)
MODELS = ["stg_salesforce__opportunities", "stg_salesforce__periods", "stg_gong__call_trackers"]
PARENTS = ["stg_salesforce__accounts", "stg_salesforce__users", "stg_gong__calls"]


def test_column_rules_fail_and_name_the_rule_the_column_and_an_example(tmp_path):
    landing = write_small_landing(tmp_path / "landing")
    write_gong_page(landing, "calls_0001.json", "calls", [
        gong_call("7000000000000000001", "2025-01-22T17:00:00Z", "234599484848423001", trackers={"Pricing": 2})])
    warehouse = tmp_path / "coaching.duckdb"
    load_raw(landing, warehouse)
    dbt(["build", "--select", *MODELS, *PARENTS,
         "--indirect-selection", "cautious"], warehouse, AS_OF)
    assert query(warehouse, "select count(*) from staging.stg_salesforce__opportunities") == [(1,)]
    con = open_warehouse(warehouse)
    try:
        con.execute("insert into staging.stg_salesforce__opportunities select * from staging.stg_salesforce__opportunities")
        con.execute("update staging.stg_salesforce__opportunities set stage_name = null, amount_local = -5, "
                    "probability = 150, account_id = '001000000000UNKNOWN'")
        con.execute("update staging.stg_salesforce__periods set period_type = 'Week'")
        con.execute("insert into staging.stg_gong__call_trackers select * from staging.stg_gong__call_trackers")
        con.execute("update staging.stg_gong__call_trackers set tracker_count = -3")
    finally:
        con.close()

    # the parents the relationship rules read are selected too, so every rule of MODELS runs
    proc = dbt(["test", "--select", *MODELS, *PARENTS, "--indirect-selection", "cautious", "--store-failures"], warehouse, AS_OF, check=False)
    out = proc.stdout
    assert proc.returncode == 1, out[-3000:]
    # the failure count adds up the rules' counts, as one test per rule and column did:
    # 2 nulls, 1 duplicated id, 2 amounts and 2 probabilities out of range
    assert "FAIL 7 column_rules_stg_salesforce__opportunities " in out, out[-3000:]
    assert "WARN 2 column_rules_stg_salesforce__opportunities_warn" in out, out[-3000:]
    assert "WARN 1 column_rules_stg_salesforce__periods_warn" in out, out[-3000:]
    assert "PASS column_rules_stg_salesforce__accounts " in out, out[-3000:]
    assert "FAIL 1 column_rules_stg_gong__call_trackers " in out, out[-3000:]
    assert "WARN 2 column_rules_stg_gong__call_trackers_warn" in out, out[-3000:]

    # the failing rows (what `dbt show --select <test>` prints)
    audit = "dbt_test__audit"
    opportunity_id = query(warehouse, "select min(opportunity_id) from staging.stg_salesforce__opportunities")[0][0]
    assert sorted(query(warehouse, f"select * from {audit}.column_rules_stg_salesforce__opportunities")) == [
        ("accepted_range", "amount_local", ">= 0", 2, "-5.00"),
        ("accepted_range", "probability", ">= 0 and <= 100", 2, "150.0"),
        ("not_null", "stage_name", "never null", 2, None),
        ("unique", "opportunity_id", "one row per value", 1, opportunity_id),
    ]
    assert query(warehouse, f"select * from {audit}.column_rules_stg_salesforce__opportunities_warn") == [
        ("relationships", "account_id", "an account_id of stg_salesforce__accounts", 2, "001000000000UNKNOWN")]
    assert query(warehouse, f"select * from {audit}.column_rules_stg_salesforce__periods_warn") == [
        ("accepted_values", "period_type", "one of: Month, Quarter, Year", 1, "Week")]
    assert query(warehouse, f"select rule, column_name, failures from {audit}.column_rules_stg_gong__call_trackers") == [
        ("unique", "call_id, tracker_name", 1)]
    assert query(warehouse, f"select * from {audit}.column_rules_stg_gong__call_trackers_warn") == [
        ("accepted_range", "tracker_count", ">= 0", 2, "-3")]


def test_column_rules_pass_on_the_built_small_landing_zone(tmp_path):
    landing = write_small_landing(tmp_path / "landing")
    warehouse = tmp_path / "coaching.duckdb"
    load_raw(landing, warehouse)
    proc = dbt(["build", "--select", *MODELS, *PARENTS, "--indirect-selection", "cautious"], warehouse, AS_OF)
    assert "PASS column_rules_stg_salesforce__opportunities " in proc.stdout
    assert "PASS column_rules_stg_salesforce__periods_warn" in proc.stdout
