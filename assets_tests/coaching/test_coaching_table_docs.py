"""The coaching tables documented inside DuckDB (coaching/table_docs.py): every table and
column of schema `coaching` carries a comment once schema.ensure_schema ran, internal tables
included; an undocumented column is refused by name; the comments reach analytics.duckdb."""

from __future__ import annotations

import duckdb
import pytest

from coaching_pipeline.assets.publish import COACHING_TABLES, MART_TABLES, publish
from coaching_pipeline.coaching import purge, schema, table_docs
from coaching_pipeline.coaching.table_docs import UndocumentedColumn, comment_coaching_tables
from coaching_pipeline.digests import narrative

APPROVAL_STATUS = (
    "The manager's decision: pending_approval (new, default), approved, modified or dismissed (kept, "
    "never shown to the rep). Never changed by a replay."
)
DECIDED_BY = "User Id of the manager who decided (the seller's manager at the time); null while pending."


def table_comments(con) -> dict[str, str | None]:
    return dict(con.execute(
        "select table_name, comment from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'coaching'"
    ).fetchall())


def column_comments(con) -> dict[tuple[str, str], str | None]:
    return {(t, c): comment for t, c, comment in con.execute(
        "select table_name, column_name, comment from duckdb_columns() where database_name = current_database() "
        "and schema_name = 'coaching'"
    ).fetchall()}


def assert_all_commented(con) -> None:
    tables, columns = table_comments(con), column_comments(con)
    assert tables and columns
    assert [t for t, c in tables.items() if not (c or "").strip()] == []
    assert [k for k, c in columns.items() if not (c or "").strip()] == []
    assert {t for t, _ in columns} == set(tables)


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def create_internal_tables(con) -> None:
    """The internal tables, as purge.py and the digest narrative create them."""
    for statement in purge.AUDIT_DDL:
        con.execute(statement)
    con.execute(narrative.CACHE_DDL)


def test_ensure_schema_comments_every_coaching_table_and_column(con):
    schema.ensure_schema(con)
    assert set(table_comments(con)) == set(schema.STATE_TABLES + schema.DERIVED_TABLES + schema.STORE_TABLES)
    assert set(schema.STATE_TABLES + schema.DERIVED_TABLES) >= set(COACHING_TABLES)
    assert_all_commented(con)
    columns = column_comments(con)
    assert columns[("coaching_log", "approval_status")] == APPROVAL_STATUS
    assert columns[("coaching_log", "decided_by")] == DECIDED_BY  # a quote, escaped in the SQL
    assert table_comments(con)["daily_flags"].startswith("Point alerts for managers (never shown to the rep)")
    assert "marts.sellers.rep_id" in columns[("skill_assessment_log", "rep_id")]


def test_internal_tables_are_documented_too(con):
    schema.ensure_schema(con)
    create_internal_tables(con)
    # created after ensure_schema: the next ensure_schema documents them
    schema.ensure_schema(con)
    assert set(table_comments(con)) == set(schema.STATE_TABLES + schema.DERIVED_TABLES + schema.STORE_TABLES) | {"state_purges", "llm_cache"}
    assert_all_commented(con)


def test_a_warehouse_created_before_the_docs_gets_them_and_a_second_call_writes_nothing(con):
    for statement in schema.DDL:  # what an earlier version left: the tables, no comment
        con.execute(statement)
    assert set(table_comments(con).values()) == {None}
    schema.ensure_schema(con)
    assert_all_commented(con)
    assert table_docs.document_coaching_tables(con) == 0
    # a description edited in table_docs.py reaches existing warehouses
    con.execute("COMMENT ON COLUMN coaching.decisions.note IS 'stale'")
    assert table_docs.document_coaching_tables(con) == len(table_comments(con)) + len(column_comments(con))
    assert column_comments(con)[("decisions", "note")] == table_docs.COLUMNS["decisions"]["note"]


def test_a_column_added_without_a_description_is_refused_by_name(con):
    schema.ensure_schema(con)
    con.execute("COMMENT ON TABLE coaching.daily_flags IS 'before'")
    con.execute("alter table coaching.daily_flags add column snooze_until date")
    with pytest.raises(UndocumentedColumn, match=r"^coaching\.daily_flags\.snooze_until has no description"):
        comment_coaching_tables(con)
    assert table_comments(con)["daily_flags"] == "before"  # refused before writing anything
    with pytest.raises(UndocumentedColumn, match=r"coaching\.daily_flags\.snooze_until"):
        schema.ensure_schema(con)


def test_a_table_added_without_a_description_is_refused_by_name(con):
    schema.ensure_schema(con)
    con.execute("create table coaching.rep_notes (rep_id varchar, note varchar)")
    with pytest.raises(UndocumentedColumn) as refused:
        comment_coaching_tables(con)
    assert str(refused.value).startswith(
        "coaching.rep_notes, coaching.rep_notes.note, coaching.rep_notes.rep_id have no description"
    )


def test_read_only_connections_are_left_alone(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    writer = duckdb.connect(str(path))
    for statement in schema.DDL:
        writer.execute(statement)
    writer.close()
    reader = duckdb.connect(str(path), read_only=True)
    try:
        schema.ensure_schema(reader)  # no comment can be written: nothing is tried
        assert set(table_comments(reader).values()) == {None}
    finally:
        reader.close()


def test_comments_inside_a_callers_transaction_roll_back_with_it(con):
    for statement in schema.DDL:
        con.execute(statement)
    con.begin()
    schema.ensure_schema(con)
    assert table_comments(con)["decisions"]
    con.rollback()
    assert table_comments(con)["decisions"] is None


def test_the_published_copy_carries_the_comments(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    for table in MART_TABLES:
        con.execute(f"create table marts.{table} as select 'R1' as rep_id")
    schema.ensure_schema(con)
    con.close()
    publish(warehouse)
    published = duckdb.connect(str(tmp_path / "analytics.duckdb"), read_only=True)
    try:
        assert set(table_comments(published)) == set(COACHING_TABLES)
        assert_all_commented(published)
        assert column_comments(published)[("coaching_log", "approval_status")] == APPROVAL_STATUS
    finally:
        published.close()
