"""The project's model-level generic tests (dbt_project/tests/generic/not_null_columns.sql and
accepted_ranges.sql) fail when they should and name the columns at fault: a small landing
zone with a blank stage name, a negative amount, a probability above 100 and a negative
Gong tracker count."""

from __future__ import annotations

import datetime as dt

from coaching_pipeline.db import open_warehouse

from ..landing import gong_call, write_gong_page, write_small_landing
from ..warehouse import dbt, load_raw, query

AS_OF = dt.date(2025, 3, 15)


def test_model_level_tests_fail_and_name_the_columns(tmp_path):
    landing = write_small_landing(tmp_path / "landing")
    # a tracker heard -3 times: tracker_count out of range, a severity-warn range
    write_gong_page(landing, "calls_0001.json", "calls", [
        gong_call("7000000000000000001", "2025-01-22T17:00:00Z", "234599484848423001", trackers={"Pricing": -3})])
    warehouse = tmp_path / "coaching.duckdb"
    load_raw(landing, warehouse)
    con = open_warehouse(warehouse)
    try:  # a blank stage name becomes null in staging; amount and probability out of range
        con.execute("update raw.opportunity set stage_name = ' ', amount = -5, probability = 150")
    finally:
        con.close()

    proc = dbt(["build", "--select", "stg_salesforce__opportunities", "stg_gong__call_trackers",
                "--indirect-selection", "cautious", "--store-failures"], warehouse, AS_OF, check=False)
    out = proc.stdout

    assert proc.returncode == 1, out[-3000:]
    # the failure count is the number of bad values, as the per-column tests added up
    assert "FAIL 1 not_null_columns_stg_salesforce__opportunities" in out, out[-3000:]
    assert "FAIL 2 accepted_ranges_stg_salesforce__opportunities" in out, out[-3000:]
    assert "WARN 1 accepted_ranges_stg_gong__call_trackers_warn" in out, out[-3000:]
    assert "PASS not_null_columns_stg_gong__call_trackers" in out, out[-3000:]
    assert "ERROR=2" in out and "WARN=1" in out

    # the failing rows name the columns (what `dbt show --select <test>` prints)
    audit = "dbt_test__audit"
    assert query(warehouse, f"select * from {audit}.not_null_columns_stg_salesforce__opportunities") == [
        ("stage_name", 1)]
    assert sorted(query(warehouse, f"select * from {audit}.accepted_ranges_stg_salesforce__opportunities")) == [
        ("amount_local", ">= 0", 1, "-5.00", "-5.00"),
        ("probability", ">= 0 and <= 100", 1, "150.0", "150.0"),
    ]
    assert query(warehouse, f"select * from {audit}.accepted_ranges_stg_gong__call_trackers_warn") == [
        ("tracker_count", ">= 0", 1, "-3", "-3")]
