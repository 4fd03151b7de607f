"""Daily flags (coaching/rules.py daily_flags): AEs below 50% of quota with fewer than 42
days left and open red deals above 100,000, one flag id per rep, rule and week; empty
inputs. Expected values are written out; defaults of settings.yaml."""

from __future__ import annotations

import datetime as dt

import polars as pl

from coaching_pipeline.coaching import rules

from .helpers import CFG, DEAL_SCHEMA, PERF_SCHEMA, deal, md5_id, perf

RUN_DATE = dt.date(2025, 2, 19)  # a Wednesday; its Monday is 2025-02-17; quarter ends 2025-03-31 (40 days)


def test_daily_flags():
    performance = pl.DataFrame([
        perf("R1", "AE", 0.45),                          # 40 days left, 45%: flag
        perf("R1", "AE", 0.45),                          # the same row twice: one flag
        perf("R2", "AE", 0.45, quarter_end=dt.date(2025, 4, 3)),  # 43 days left: no (another fiscal calendar)
        perf("R3", "AM", 0.10, manager="M2"),            # not an AE
        perf("R4", "AE", None),                          # no quota
        perf("R5", "AE", 0.10, quarter_end=dt.date(2024, 12, 31), current=False),  # past quarter
    ], schema=PERF_SCHEMA)
    deals = pl.DataFrame([
        deal("O1", "R3", 150_000, "red"),                 # flag (manager from rep_performance: M2)
        deal("O2", "R1", 150_000, "yellow"),              # not red
        deal("O3", "R1", 150_000, None, closed=True),     # closed
        deal("O4", "R1", 100_000, "red"),                 # not above 100,000
        deal("O5", "R1", 100_001, "red"),                 # flag
    ], schema=DEAL_SCHEMA)
    flags = rules.daily_flags(performance, deals, RUN_DATE, CFG)
    monday = dt.date(2025, 2, 17)
    assert flags.select("rep_id", "manager_id", "rule", "flag_week", "flag_date", "opportunity_id").rows() == [
        ("R1", "M1", "attainment", monday, RUN_DATE, None),
        ("R1", "M1", "large_deal_red", monday, RUN_DATE, "O5"),
        ("R3", "M2", "large_deal_red", monday, RUN_DATE, "O1"),
    ]
    assert flags["flag_id"].to_list() == [
        md5_id("F", "R1", "attainment", "2025-02-17", ""),
        md5_id("F", "R1", "large_deal_red", "2025-02-17", "O5"),
        md5_id("F", "R3", "large_deal_red", "2025-02-17", "O1"),
    ]
    assert flags["detail"].to_list() == [
        "Attainment 45.0% with 40 days left in 2025-Q1 (flag below 50% with fewer than 42 days left)",
        "Open deal Deal O5 (O5) of 100,001 is in the red health band (health score 30): No touch in 18 days; "
        "Economic buyer not identified",
        "Open deal Deal O1 (O1) of 150,000 is in the red health band (health score 30): No touch in 18 days; "
        "Economic buyer not identified",
    ]
    # another day of the same week gives the same flag ids; the next week new ones
    same_week = rules.daily_flags(performance, deals, dt.date(2025, 2, 20), CFG)  # R2: 42 days left, still no
    assert same_week["flag_id"].to_list() == flags["flag_id"].to_list()
    next_week = rules.daily_flags(performance, deals, dt.date(2025, 2, 24), CFG)
    assert set(next_week["flag_id"]).isdisjoint(flags["flag_id"])


def test_daily_flags_on_empty_inputs():
    flags = rules.daily_flags(pl.DataFrame(schema=PERF_SCHEMA), pl.DataFrame(schema=DEAL_SCHEMA), RUN_DATE, CFG)
    assert flags.is_empty() and flags.schema == pl.Schema(rules.DAILY_FLAG_SCHEMA)
