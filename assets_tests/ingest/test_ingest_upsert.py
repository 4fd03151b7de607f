"""The re-delivery upsert: a file mixing new keys, newer, older and same versions of stored
rows, and the loader's upsert against the plain two-statement rule on random deliveries."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import polars as pl
import pytest

from coaching_pipeline.ingest import configured_object, loader

from ..landing import CRM_ROWS, write_crm


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def test_a_file_mixing_new_newer_older_and_tied_rows(tmp_path, con):
    base = CRM_ROWS["Opportunity"][0]

    def opp(ident, name, modstamp="", modified=""):
        return base | {"Id": ident, "Name": name, "SystemModstamp": modstamp, "LastModifiedDate": modified}

    write_crm(tmp_path, "Opportunity", [
        opp("006000000000000AAA", "a1", "2025-02-01T00:00:00Z"),
        opp("006000000000000BBB", "b1", "2025-02-01T00:00:00Z"),
        opp("006000000000000CCC", "c1", "2025-02-01T00:00:00Z"),
        opp("006000000000000DDD", "d1", modified="2025-02-01T00:00:00Z"),
    ], suffix="a")
    write_crm(tmp_path, "Opportunity", [
        opp("006000000000000AAA", "a2", "2025-03-01T00:00:00Z"),  # newer: replaces
        opp("006000000000000BBB", "b2", "2025-01-01T00:00:00Z"),  # older: superseded
        opp("006000000000000CCC", "c2", "2025-02-01T00:00:00Z"),  # same version: the later file wins
        opp("006000000000000DDD", "d2", modified="2025-01-01T00:00:00Z"),  # older by LastModifiedDate
        opp("006000000000000EEE", "e2", "2025-01-01T00:00:00Z"),  # new key
    ], suffix="b")
    results = loader.load_object(con, tmp_path, configured_object("opportunity"))
    assert [(r.rows_loaded, r.rows_superseded) for r in results] == [(4, 0), (3, 2)]
    assert con.execute("select id, name, _source_file from raw.opportunity order by id").fetchall() == [
        ("006000000000000AAA", "a2", "crm/Opportunity__b.csv"),
        ("006000000000000BBB", "b1", "crm/Opportunity__a.csv"),
        ("006000000000000CCC", "c2", "crm/Opportunity__b.csv"),
        ("006000000000000DDD", "d1", "crm/Opportunity__a.csv"),
        ("006000000000000EEE", "e2", "crm/Opportunity__b.csv"),
    ]
    assert con.execute("select count(*) from duckdb_tables() where temporary").fetchone() == (0,)


def _reference_upsert(con, obj, incoming: pl.DataFrame) -> int:
    """The rule as two statements over the whole raw table."""
    on = " AND ".join(f"r.{k} = i.{k}" for k in obj.key)
    con.register("_incoming", incoming)
    con.execute(
        f"DELETE FROM {obj.table} AS r USING _incoming AS i "
        f"WHERE {on} AND {loader._version_newer_or_same(obj, 'i', 'r')}"
    )
    inserted = con.execute(
        f"INSERT INTO {obj.table} BY NAME SELECT i.* FROM _incoming AS i "
        f"WHERE NOT EXISTS (SELECT 1 FROM {obj.table} AS r WHERE {on})"
    ).fetchone()[0]
    con.unregister("_incoming")
    return int(inserted)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_upsert_matches_the_plain_rule_on_random_deliveries(tmp_path, seed):
    # Two-column key, both version columns, nulls and ties: the loader's upsert and the
    # plain rule give the same table and the same counts after every file.
    obj = configured_object("forecasting_quota")
    rng = random.Random(seed)
    cons = [duckdb.connect(str(tmp_path / f"{name}.duckdb")) for name in ("loader", "reference")]
    for c in cons:
        loader.ensure_raw_tables(c, [obj])
    schema = cons[0].execute(f"select * from {obj.table} limit 0").pl().schema
    stamps = [None, *(dt.datetime(2025, 1, d) for d in (1, 2, 3))]
    owners, starts = ["o1", "o2", "o3", "o4"], [dt.date(2025, m, 1) for m in range(1, 6)]
    try:
        for n in range(12):
            keys = [(o, s) for o in owners for s in starts]
            if n == 5:  # a file of new keys only
                keys = [(f"new{k}", s) for k in range(3) for s in starts]
            chosen = rng.sample(keys, rng.randint(1, len(keys)))
            rows = {
                "quota_owner_id": [k[0] for k in chosen],
                "start_date": [k[1] for k in chosen],
                "quota_amount": [float(rng.randint(1, 9)) for _ in chosen],
                "system_modstamp": [rng.choice(stamps) for _ in chosen],
                "last_modified_date": [rng.choice(stamps) for _ in chosen],
                "_source_file": [f"crm/ForecastingQuota__{n:02d}.csv"] * len(chosen),
                "_source_row": list(range(1, len(chosen) + 1)),
            }
            frame = pl.DataFrame({c: rows.get(c, [None] * len(chosen)) for c in schema}, schema=schema)
            counts = []
            for c in cons:
                c.execute("BEGIN TRANSACTION")
                if c is cons[0]:
                    counts.append(loader.Loader(c, tmp_path, obj)._upsert(frame))
                else:
                    counts.append(_reference_upsert(c, obj, frame))
                c.execute("COMMIT")
            assert counts[0] == counts[1], n
            contents = [c.execute(f"select * from {obj.table} order by all").fetchall() for c in cons]
            assert contents[0] == contents[1], n
    finally:
        for c in cons:
            c.close()
