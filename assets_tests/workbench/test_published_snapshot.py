"""What the workbench reads once per publication (published.per_snapshot): the file's catalog
and every seller's current-month role metrics. A new publication is read afresh, a caller's
copy is its own, and a connection of its own (no PublishedFile) still reads straight from the file."""

import importlib.util
import os
import sys

import duckdb
import pytest

from coaching_pipeline.workbench.published import PublishedFile, columns_of, has_table, per_snapshot
from coaching_pipeline.workbench.role_queries import read_current


def _publish(path, attainment_by_rep: dict[str, float]) -> None:
    """Write a tiny analytics file beside `path` and rename it over, as the nightly's publish does."""
    staging = path.with_name(path.name + ".new")
    staging.unlink(missing_ok=True)
    con = duckdb.connect(str(staging))
    con.execute("create schema marts")
    con.execute("create table marts.role_metrics (rep_id varchar, role varchar, month_start date, "
                "is_current_month boolean, attainment_vs_pace double)")
    for rep_id, value in attainment_by_rep.items():
        con.execute("insert into marts.role_metrics values (?, 'AE', date '2026-11-01', true, ?), "
                    "(?, 'AE', date '2026-10-01', false, 0.5)", [rep_id, value, rep_id])
    con.close()
    os.replace(staging, path)


def test_the_current_month_is_read_once_per_publication_and_afresh_after_the_next(tmp_path):
    path = tmp_path / "analytics.duckdb"
    _publish(path, {"r2": 0.8, "r1": 0.9})
    published = PublishedFile(path)
    loads = []

    def load(cur):
        loads.append(1)
        return cur.execute("select count(*) from marts.role_metrics").fetchone()[0]

    with published.cursor() as cur:
        assert [(r["rep_id"], r["attainment_vs_pace"]) for r in read_current(cur)] == [("r1", 0.9), ("r2", 0.8)]
        assert [r["rep_id"] for r in read_current(cur, rep_ids=["r2"])] == ["r2"]
        assert read_current(cur, rep_ids=[]) == []
        assert read_current(cur, role="SDR") == []
        assert (per_snapshot("count", cur, load), per_snapshot("count", cur, load)) == (4, 4)
    with published.cursor() as cur:  # the next request on the same publication
        assert per_snapshot("count", cur, load) == 4
    assert len(loads) == 1

    _publish(path, {"r1": 1.0})
    with published.cursor() as cur:
        assert [(r["rep_id"], r["attainment_vs_pace"]) for r in read_current(cur)] == [("r1", 1.0)]
        assert per_snapshot("count", cur, load) == 2
    assert len(loads) == 2


def test_a_callers_copy_is_its_own(tmp_path):
    path = tmp_path / "analytics.duckdb"
    _publish(path, {"r1": 0.9})
    published = PublishedFile(path)
    with published.cursor() as cur:
        read_current(cur, rep_ids=["r1"])[0]["attainment_vs_pace"] = 0.0
    with published.cursor() as cur:
        assert read_current(cur, rep_ids=["r1"])[0]["attainment_vs_pace"] == 0.9


def test_the_catalog_names_the_tables_and_columns_of_the_file(tmp_path):
    path = tmp_path / "analytics.duckdb"
    _publish(path, {"r1": 0.9})
    with PublishedFile(path).cursor() as cur:
        assert has_table(cur, "marts", "role_metrics") and not has_table(cur, "coaching", "coaching_log")
        assert "attainment_vs_pace" in columns_of(cur, "marts", "role_metrics")
        assert columns_of(cur, "marts", "sellers") == frozenset()


def test_a_connection_of_its_own_reads_the_file_every_time(tmp_path):
    path = tmp_path / "analytics.duckdb"
    _publish(path, {"r1": 0.9})
    con = duckdb.connect()
    con.execute(f"attach '{path}' as published (read_only)")
    con.execute("use published")
    try:
        assert per_snapshot("k", con, lambda c: 1) == 1
        assert per_snapshot("k", con, lambda c: 2) == 2
        assert [r["rep_id"] for r in read_current(con)] == ["r1"]
    finally:
        con.close()


def test_a_query_does_not_search_the_disk_for_pandas(tmp_path):
    """DuckDB looks for pandas on every execute(); without it installed, each failed import
    searched sys.path again (a third of a workbench page at M). coaching_pipeline makes it fail
    at once, with the error Python's search gives; importlib's probes answer as before."""
    searched = []

    class Spy:
        def find_spec(self, name, path=None, target=None):
            if name == "pandas":
                searched.append(name)
            return None

    con = duckdb.connect()
    sys.meta_path.insert(1, Spy())  # behind coaching_pipeline's finder, ahead of the search
    try:
        for _ in range(5):
            con.execute("select ? as x", [1]).fetchall()
    finally:
        sys.meta_path.pop(1)
        con.close()
    assert searched == []
    if importlib.util.find_spec("pandas") is None:
        with pytest.raises(ModuleNotFoundError, match="^No module named 'pandas'$"):
            importlib.import_module("pandas")
        with pytest.raises(ModuleNotFoundError, match="^No module named 'pandas'$"):
            import pandas  # noqa: F401
