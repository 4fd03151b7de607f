"""Incremental dbt builds give the tables a full rebuild gives.

The built S sample (as of 2026-11-13) gets one more night of extracts: the next day's files
(bench/delta.py, as `make bench` drops them) and, on purpose, the changes an incremental
model can miss: a Task soft-deleted, an Opportunity soft-deleted, a user whose email
changes (activity-log rows matched by email lose their rep), and a Gong call re-delivered
with no parties and no CRM context. After `dbt build` as of 2026-11-14 every model must hold
what `dbt build --full-refresh` builds from the same raw layer."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import polars as pl
import pytest

from bench.delta import make_delta
from coaching_pipeline.db import open_warehouse

from ..conftest import SAMPLE_AS_OF
from ..landing import write_gong_page
from ..warehouse import dbt, load_raw, query

pytestmark = pytest.mark.xdist_group("incremental")

NEXT_DAY = SAMPLE_AS_OF + dt.timedelta(days=1)
LATER = "2026-11-14T12:00:00.000+0000"  # SystemModstamp of the edited records: they win
# Columns that record when or as of what a row was written, not what it says.
BOOKKEEPING = {"_loaded_through", "built_at_as_of"}


def _crm_row(landing, obj: str, record_id: str) -> dict:
    """The delivered row of `record_id` in the object's files, every value as text."""
    files = [landing / "crm" / f"{obj}.csv", *sorted((landing / "crm").glob(f"{obj}__*.csv"))]
    frames = [pl.read_csv(p, infer_schema_length=0) for p in files if p.exists()]
    rows = pl.concat(frames, how="diagonal").filter(pl.col("Id") == record_id).to_dicts()
    return rows[-1]


def _write_crm_edit(landing, obj: str, row: dict, name: str) -> None:
    pl.DataFrame([{**row, "SystemModstamp": LATER, "LastModifiedDate": LATER}]).write_csv(
        landing / "crm" / f"{obj}__{name}.csv"
    )


@pytest.fixture(scope="module")
def nightly(sample_built, tmp_path_factory):
    """(incremental warehouse, full-refresh warehouse, the records changed on purpose, rows before)."""
    sample_landing, sample_warehouse, _ = sample_built
    root = tmp_path_factory.mktemp("incremental")
    landing = root / "landing"
    shutil.copytree(sample_landing, landing)
    warehouse = root / "incremental" / "coaching.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(sample_warehouse, warehouse)

    picked = {
        "task": query(warehouse, "select min(source_id) from intermediate.int_activities where origin = 'task'")[0][0],
        "opportunity": query(warehouse, """
            select opportunity_id from intermediate.int_activities
            where origin in ('task', 'event') and opportunity_id is not null
            group by 1 order by count(*) desc, 1 limit 1""")[0][0],
        "user": query(warehouse, """
            select a.rep_id from intermediate.int_activities as a
            join staging.stg_activity__activities as log on a.source_id = log.activity_key
            where a.origin = 'activity_log' and log.rep_id is null and a.rep_id is not null
            group by 1 order by count(*) desc, 1 limit 1""")[0][0],
        "call": query(warehouse, "select min(call_id) from staging.stg_gong__call_parties")[0][0],
    }
    before = {
        "email_matched_rows": query(warehouse, """
            select count(*) from intermediate.int_activities
            where origin = 'activity_log' and rep_id = ?""", [picked["user"]])[0][0],
        "opportunity_rows": query(warehouse, """
            select count(*) from intermediate.int_activities
            where origin in ('task', 'event') and opportunity_id = ?""", [picked["opportunity"]])[0][0],
    }

    delta = make_delta(landing, SAMPLE_AS_OF, landing)
    _write_crm_edit(landing, "Task", {**_crm_row(landing, "Task", picked["task"]), "IsDeleted": "true"}, "zz_deleted")
    _write_crm_edit(landing, "Opportunity", {**_crm_row(landing, "Opportunity", picked["opportunity"]),
                                             "IsDeleted": "true"}, "zz_deleted")
    _write_crm_edit(landing, "User", {**_crm_row(landing, "User", picked["user"]),
                                      "Email": "moved.away@elsewhere.example"}, "zz_email")
    record = json.loads(query(warehouse, "select record from raw.gong_calls where call_id = ?", [picked["call"]])[0][0])
    write_gong_page(landing, "calls_zz_redelivered.json", "calls", [{**record, "parties": [], "context": []}])

    load_raw(landing, warehouse)
    dbt(["build"], warehouse, NEXT_DAY)
    full = root / "full" / "coaching.duckdb"
    full.parent.mkdir()
    shutil.copy(warehouse, full)
    dbt(["build", "--full-refresh"], full, NEXT_DAY)
    return warehouse, full, picked, before, delta


def _models(warehouse) -> list[tuple[str, str]]:
    return query(warehouse, """
        select schema_name, table_name from duckdb_tables()
        where schema_name in ('staging', 'intermediate', 'marts') order by 1, 2""")


def test_every_model_equals_a_full_refresh(nightly):
    incremental, full, *_ = nightly
    con = open_warehouse(incremental, read_only=True)
    try:
        con.execute(f"attach '{full}' as full_refresh (read_only)")
        differences = {}
        for schema, table in _models(full):
            columns = con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where database_name = 'full_refresh' and schema_name = ? and table_name = ?", [schema, table]
            ).fetchall()
            # Sums of doubles depend on the order rows are read in: compare 9 significant digits.
            select = ", ".join(
                f'round("{c}" / 10 ^ floor(log10(abs("{c}") + 1e-300)), 9)' if kind == "DOUBLE" else f'"{c}"'
                for c, kind in columns if c not in BOOKKEEPING
            )
            only_here, only_there = (
                con.execute(f"select count(*) from (select {select} from {a}.{schema}.{table} "
                            f"except all select {select} from {b}.{schema}.{table})").fetchone()[0]
                for a, b in (("warehouse", "full_refresh"), ("full_refresh", "warehouse"))
            )
            if only_here or only_there:
                differences[f"{schema}.{table}"] = (only_here, only_there)
    finally:
        con.close()
    # 30 staging (the role inputs of issue 20 included), 30 intermediate (the 12 of role_metrics
    # included) and 8 marts models (currency models, source coverage, sellers, users and
    # role_metrics included)
    assert len(_models(full)) == 68
    assert differences == {}


def _new_day_rows(delta: dict[str, int]) -> int:
    """Activity-log, Task and Event rows of the new day (all dated that day)."""
    return sum(delta[f"{folder}/{name}_2026-11-14.csv"]
               for folder, name in (("activity", "activities"), ("crm", "Task_"), ("crm", "Event_")))


def test_the_next_day_is_added(nightly):
    incremental, _, _, _, delta = nightly
    assert query(incremental, "select max(activity_date) from intermediate.int_activities") == [(NEXT_DAY,)]
    assert query(incremental, "select count(*) from intermediate.int_activities where activity_date = ?",
                 [NEXT_DAY]) == [(_new_day_rows(delta),)]


def test_a_soft_deleted_task_leaves_staging_and_activities(nightly):
    incremental, _, picked, _, _ = nightly
    assert query(incremental, "select count(*) from staging.stg_salesforce__tasks where task_id = ?",
                 [picked["task"]]) == [(0,)]
    assert query(incremental, "select count(*) from intermediate.int_activities where source_id = ?",
                 [picked["task"]]) == [(0,)]


def test_activities_of_a_deleted_opportunity_lose_the_link(nightly):
    incremental, _, picked, before, _ = nightly
    assert before["opportunity_rows"] > 0
    assert query(incremental, "select count(*) from intermediate.int_activities "
                              "where origin in ('task', 'event') and opportunity_id = ?",
                 [picked["opportunity"]]) == [(0,)]


def test_rows_matched_by_an_email_that_changed_lose_their_rep(nightly):
    incremental, _, picked, before, _ = nightly
    assert before["email_matched_rows"] > 0
    # Only rows naming the user by rep_id keep them; none did (the pick is email-matched rows).
    left = query(incremental, """
        select count(*) from intermediate.int_activities as a
        join staging.stg_activity__activities as log on a.source_id = log.activity_key
        where a.origin = 'activity_log' and log.rep_id is null and a.rep_id = ?""", [picked["user"]])
    assert left == [(0,)]


def test_a_call_delivered_again_without_parties_has_none(nightly):
    incremental, _, picked, _, _ = nightly
    for table in ("stg_gong__call_parties", "stg_gong__call_context_objects"):
        assert query(incremental, f"select count(*) from staging.{table} where call_id = ?", [picked["call"]]) == [(0,)]
    assert query(incremental, "select count(*) from staging.stg_gong__calls where call_id = ?", [picked["call"]]) == [(1,)]


def test_as_of_moving_back_drops_the_later_days(nightly, tmp_path):
    incremental, _, _, _, delta = nightly
    copy = tmp_path / "coaching.duckdb"
    shutil.copy(incremental, copy)
    dbt(["run", "--select", "int_as_of", "int_activities"], copy, SAMPLE_AS_OF)
    assert query(copy, "select max(activity_date) from intermediate.int_activities") == [(SAMPLE_AS_OF,)]
    before = query(incremental, "select count(*) from intermediate.int_activities")[0][0]
    assert query(copy, "select count(*) from intermediate.int_activities") == [(before - _new_day_rows(delta),)]
