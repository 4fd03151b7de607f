"""Helpers shared by the generator's test modules (test_generate_*.py): the sample's as-of
date and readers of the generated landing zone's files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

AS_OF = dt.date(2026, 11, 13)


def read_csv(path: Path | str) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def utc(text: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(text)
    return t.astimezone(dt.UTC) if t.tzinfo else t.replace(tzinfo=dt.UTC)


def bool_true(col: str) -> pl.Expr:
    return pl.col(col).str.to_lowercase().is_in(["true", "1"])


def latest_opportunities(root: Path) -> pl.DataFrame:
    files = [root / "crm/Opportunity.csv"] + sorted((root / "crm").glob("Opportunity__*.csv"))
    frames = [read_csv(f).with_columns(_file=pl.lit(f.name)) for f in files]
    opp = pl.concat(frames, how="diagonal")
    opp = opp.filter(pl.col("OwnerId").is_not_null())
    opp = opp.with_columns(_ms=pl.col("SystemModstamp").map_elements(lambda s: utc(s), return_dtype=pl.Datetime("us", "UTC")))
    return opp.sort("_ms", "_file").group_by("Id", maintain_order=True).last().filter(~bool_true("IsDeleted"))
