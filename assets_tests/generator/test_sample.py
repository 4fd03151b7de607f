"""The default sample (scale S, seed 42, as of 2026-11-13) end to end: generated, loaded
into `raw` with the expected rows and quarantine, reloaded without change, and built by
dbt with every test passing."""

import pytest

from coaching_pipeline.db import open_warehouse
from coaching_pipeline.ingest import configured_objects, loader

# Modules on the shared S sample run in one worker, so it is built once.
pytestmark = pytest.mark.xdist_group("sample")

# Rows per raw table after loading the sample: the generator's rows less the planted
# quarantine rows, re-deliveries folded into one row per key (Opportunity: 3,300 delivered
# in 4 files -> 3,176 records, 1,002 of them the AMs' renewals and expansions of
# Opportunity__roles.csv; Gong calls: 13,154 delivered, 4 duplicates across pages). The role
# data (roles contract) adds the SDRs' sequence touches to activities (166,571 + 199,480) and
# their stage paths and the AE Commit rows to opportunity_history (9,417 - 9 removed by the
# stage-2>3 plant + 5,660); the new objects (line items, contracts, cs/) load once the
# loader knows them.
EXPECTED_RAW_ROWS = {
    "account": 1061,
    "currency_type": 5,
    "dated_conversion_rate": 48,
    "activities": 366051,
    "contact": 8492,
    "event": 16424,
    "forecasting_quota": 320,
    "gong_answered_scorecards": 3330,
    "gong_calls": 12468,
    "gong_scorecards": 2,
    "gong_transcripts": 1685,
    "gong_users": 52,
    "opportunity": 3176,
    "opportunity_contact_role": 5353,
    "opportunity_field_history": 913,
    "opportunity_history": 15074,
    "organization": 1,
    "period": 33,
    "task": 27419,
    "user": 53,
    "user_role": 13,
}

# The generator's planted bad rows (coaching_sample_generator docstring), as quarantined.
EXPECTED_QUARANTINE = [
    ("activities", "activity/activities_zz_late.csv", 1, "occurred_at: not an ISO 8601 timestamp (got 'yesterday')"),
    ("opportunity", "crm/Opportunity__zz_late.csv", 1, "OwnerId: required value missing"),
    ("opportunity", "crm/Opportunity__zz_late.csv", 2, "CloseDate: not a date (YYYY-MM-DD) (got '31/02/2025')"),
    ("opportunity", "crm/Opportunity__zz_late.csv", 3, "Amount: must be >= 0 (got '-12500')"),
    ("task", "crm/Task__zz_late.csv", 1, "duplicate Id within the file with conflicting content (rows 1, 2)"),
    ("task", "crm/Task__zz_late.csv", 2, "duplicate Id within the file with conflicting content (rows 1, 2)"),
    ("gong_calls", "gong/calls_9998.json", 1, "metaData.started: required value missing"),
]


def load(con, landing):
    return {obj.name: loader.load_object(con, landing, obj) for obj in configured_objects()}


@pytest.fixture
def con(sample_raw):
    connection = open_warehouse(sample_raw[1])
    yield connection
    connection.close()


def test_sample_loads_the_expected_rows_per_table(sample_raw, con):
    first = sample_raw[2]
    assert {name: con.execute(f"select count(*) from raw.{name}").fetchone()[0] for name in EXPECTED_RAW_ROWS} == (
        EXPECTED_RAW_ROWS
    )
    assert all(r.status == "loaded" for results in first.values() for r in results)


def test_sample_quarantines_exactly_the_planted_rows(con):
    rows = con.execute(
        "select source, file, row_number, reason from raw.quarantine where row_number > 0 order by file, row_number"
    ).fetchall()
    assert sorted(rows, key=lambda r: (r[1], r[2])) == sorted(EXPECTED_QUARANTINE, key=lambda r: (r[1], r[2]))
    [page] = con.execute("select source, file, reason from raw.quarantine where row_number = 0").fetchall()
    assert page[:2] == ("gong_calls", "gong/calls_9999.json")
    assert page[2].startswith("page is not valid JSON")


def test_every_delivered_row_is_accounted_for(con):
    unbalanced = con.execute(
        "select file from raw._loaded_files "
        "where rows_read != rows_loaded + rows_superseded + rows_merged + rows_quarantined"
    ).fetchall()
    assert unbalanced == []


def test_loading_the_sample_again_changes_nothing(sample_raw, con):
    landing = sample_raw[0]
    tables = [r[0] for r in con.execute("select table_name from information_schema.tables where table_schema='raw'").fetchall()]
    before = {t: con.execute(f"select count(*), sum(hash(columns(*))) from raw.{t}").fetchall() for t in tables}
    second = load(con, landing)
    assert {r.status for results in second.values() for r in results} == {"skipped"}
    assert {t: con.execute(f"select count(*), sum(hash(columns(*))) from raw.{t}").fetchall() for t in tables} == before


def test_the_sample_builds_with_every_dbt_test_passing(sample_built):
    _, warehouse, stdout = sample_built  # the build raised on any model error or ERROR-severity test
    assert "ERROR=0" in stdout
    con = open_warehouse(warehouse, read_only=True)
    count = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    sellers = count("select count(*) from intermediate.int_users where is_seller")
    quarters = count("select count(*) from intermediate.int_fiscal_quarters")
    assert (sellers, quarters) == (40, 8)  # about 40 sellers, two fiscal years
    assert count("select count(*) from marts.rep_performance") == sellers * quarters
    assert count("select count(*) from marts.deal_health_scores") == count(
        "select count(*) from staging.stg_salesforce__opportunities where created_date <= date '2026-11-13'")
    assert count("select count(*) from marts.next_best_actions") == count(
        "select count(*) from marts.deal_health_scores where not is_closed and health_band != 'green'")
    assert count("select count(distinct role) from marts.top_performer_patterns") == 4
    # the sample's planted signal shows in the marts: Top 25% AEs multithread more and win more
    top, rest = con.execute(
        "select avg_stakeholders, win_rate from marts.top_performer_patterns "
        "where role = 'AE' and fiscal_quarter = '2026-Q3' and \"group\" in ('Top 25%', 'Rest') order by \"group\" desc"
    ).fetchall()
    assert top[0] > rest[0] and top[1] > rest[1]
    con.close()
