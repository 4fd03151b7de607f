"""Hand-made rows of the mart marts.role_metrics (issue 20, /work/i20-spec.md "The mart
role_metrics"), October 2026, for the role sections of the digests and the workbench, and the
table itself (`create_role_metrics`) with the spec's columns, in schema `marts` like every
other mart.

Each seller's figures, with the arithmetic the tests check (min_sample 10):

SDRs: Sara (s1, the one under test), Sid (s2), Sue (s3)
  Sara: meeting acceptance 2 of 40 touches = 5% (median 4%); qualified conversion null on 2
  meetings booked (< 10: not enough data); step 1 6 of 30 = 20% (median 15%, Sid and Sue have
  a step-1 rate), step 2 1 of 30 = 3% (median 12%, but only Sid has a step-2 rate: one peer,
  hidden from Sara), step 3 null on 4 touches; cold cadence 4 of 50 = 8% (median 10%);
  45.0 touches a business day against 60 = 75% (median 90%).
AEs: Ann (a1, Mid-Market), Ben (a2, Mid-Market), Dee (a4, Mid-Market), Cal (a3, Enterprise)
  Ann: attainment vs pace 460,000 / 500,000 = 92% (median 85%); forecast accuracy of 2026-Q3
  390,000 won / 500,000 Commit = 78% (median 97%), 80% the quarter before, out of the
  85-115% band two closed quarters running; stage 1>2 null on 6 deals that left Qualification,
  2>3 9 of 20 = 45% (Mid-Market median 65%); 6 days in Qualification over 12 deals (median 5);
  discount 40,800 / 340,000 of won line items = 12% (Mid-Market median 9%).
  Cal is the only Enterprise AE: no segment peer, so no segment median for him.
AMs: Alma (am1), Abe (am2), Ada (am3)
  Alma: NRR (1,200,000 + 80,000 - 10,000 - 20,000) / 1,200,000 = 104.2% (median 101%);
  renewal rate 8 of 10 = 80% (median 85%); book health -6.0 points a month over 40 accounts
  (median -1.0); expansion 4 of 10 = 40% (median 50%); renewals opened late 3 of 10 = 30%
  (median 10%), without contracts; 4 of 40 accounts dropped a tier = 10%.
CSMs: Cora (c1), Cy (c2), Cleo (c3)
  Cora: time to value 7 of 10 = 70% (median 60%); book health +2.5 over 25 accounts (median
  +0.5); milestones 12 of 15 = 80% (median 75%); escalation 4 of 25 = 16% (median 20%); no
  account dropped a tier (0 of 25 = 0%, a true zero); NPS 32, +4.0 a month; no CSAT.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb

OCTOBER = dt.date(2026, 10, 1)

RATES = ("attainment_vs_pace", "forecast_accuracy", "discount_depth", "renewal_rate", "renewals_opened_late_share",
         "expansion_conversion", "nrr", "ttv_attainment", "milestones_on_time", "escalation_rate",
         "meeting_acceptance", "qualified_conversion", "volume_vs_target")
MONEY_RATES = ("attainment_vs_pace", "forecast_accuracy", "discount_depth")  # numerator/denominator are amounts

COLUMNS = {
    "rep_id": "varchar", "rep_name": "varchar", "role": "varchar", "manager_id": "varchar", "slm_id": "varchar",
    "segment": "varchar", "month_start": "date", "month_end": "date", "fiscal_quarter": "varchar",
    "is_current_month": "boolean", "window_start": "date", "window_end": "date",
    **{col: typ for rate in RATES for col, typ in (
        (rate, "double"),
        (f"{rate}_numerator", "decimal(18,2)" if rate in MONEY_RATES else "bigint"),
        (f"{rate}_denominator", "decimal(18,2)" if rate in MONEY_RATES else "bigint"),
        (f"{rate}_benchmark", "double"))},
    "forecast_quarter": "varchar", "forecast_accuracy_previous": "double", "forecast_quarters_out_of_band": "integer",
    "stage_conversions": "struct(stage_pair varchar, from_stage varchar, to_stage varchar, converted bigint, "
                         "left_stage bigint, rate double, benchmark double)[]",
    "days_in_stage": "struct(stage_number integer, stage varchar, median_days double, sample bigint, "
                     "benchmark double)[]",
    "nrr_starting_arr": "decimal(18,2)", "nrr_expansion": "decimal(18,2)", "nrr_contraction": "decimal(18,2)",
    "nrr_churn": "decimal(18,2)", "nrr_source": "varchar",
    "book_health_trend": "double", "book_health_trend_benchmark": "double", "book_accounts": "bigint",
    "book_tier_drops": "bigint", "book_tier_drop_share": "double",
    "nps_mean": "double", "nps_trend": "double", "csat_mean": "double", "csat_trend": "double",
    "response_by_step": "struct(sequence_step integer, touches bigint, responses bigint, rate double, "
                        "benchmark double)[]",
    "response_by_cadence": "struct(cadence_type varchar, touches bigint, responses bigint, rate double, "
                           "benchmark double)[]",
    "touches_per_business_day": "double", "touch_target": "double",
    "has_cs_data": "boolean", "has_sequence_data": "boolean", "has_line_items": "boolean", "has_contracts": "boolean",
}

COVERAGE = {"has_cs_data": True, "has_sequence_data": True, "has_line_items": True, "has_contracts": True}


def _base(rep_id: str, name: str, role: str, manager: str, segment: str | None = "Mid-Market") -> dict:
    return {"rep_id": rep_id, "rep_name": name, "role": role, "manager_id": manager, "slm_id": "s0",
            "segment": segment, "month_start": OCTOBER, "month_end": dt.date(2026, 10, 31),
            "fiscal_quarter": "2026-Q4", "is_current_month": True, "window_start": dt.date(2026, 8, 1),
            "window_end": dt.date(2026, 10, 31), **COVERAGE}


def _rate(name: str, value, numerator, denominator, benchmark) -> dict:
    return {name: value, f"{name}_numerator": numerator, f"{name}_denominator": denominator,
            f"{name}_benchmark": benchmark}


def _step(step, touches, responses, rate, benchmark=0.12):
    return {"sequence_step": step, "touches": touches, "responses": responses, "rate": rate, "benchmark": benchmark}


def sdr(rep_id="s1", name="Sara Sdr", manager="m1", **over) -> dict:
    return {**_base(rep_id, name, "SDR", manager), **_rate("meeting_acceptance", 2 / 40, 2, 40, 0.04),
            **_rate("qualified_conversion", None, 0, 2, 0.25),
            "response_by_step": [_step(2, 30, 1, 1 / 30), _step(1, 30, 6, 0.2, 0.15), _step(3, 4, 0, None)],
            "response_by_cadence": [{"cadence_type": "cold", "touches": 50, "responses": 4, "rate": 0.08,
                                     "benchmark": 0.1}],
            **_rate("volume_vs_target", 0.75, None, None, 0.9), "touches_per_business_day": 45.0,
            "touch_target": 60.0, **over}


def sdr_peers() -> list[dict]:
    sid = sdr("s2", "Sid Sdr", **_rate("meeting_acceptance", 0.03, 3, 100, 0.04),
              **_rate("qualified_conversion", 0.25, 3, 12, 0.25),
              response_by_step=[_step(1, 40, 6, 0.15, 0.15), _step(2, 40, 5, 0.125)])
    sue = sdr("s3", "Sue Sdr", manager="m2", **_rate("meeting_acceptance", 0.04, 4, 100, 0.04),
              **_rate("qualified_conversion", 0.3, 3, 10, 0.25),
              response_by_step=[_step(1, 40, 4, 0.1, 0.15), _step(2, 5, 0, None)])
    return [sid, sue]


def _conv(pair, src, dst, converted, left, rate, benchmark):
    return {"stage_pair": pair, "from_stage": src, "to_stage": dst, "converted": converted, "left_stage": left,
            "rate": rate, "benchmark": benchmark}


def ae(rep_id="a1", name="Ann Ae", manager="m1", segment="Mid-Market", **over) -> dict:
    return {**_base(rep_id, name, "AE", manager, segment),
            **_rate("attainment_vs_pace", 0.92, Decimal("460000.00"), Decimal("500000.00"), 0.85),
            **_rate("forecast_accuracy", 0.78, Decimal("390000.00"), Decimal("500000.00"), 0.97),
            "forecast_quarter": "2026-Q3", "forecast_accuracy_previous": 0.8, "forecast_quarters_out_of_band": 2,
            "stage_conversions": [_conv("2>3", "Discovery", "Proposal", 9, 20, 0.45, 0.65),
                                  _conv("1>2", "Qualification", "Discovery", 5, 6, None, 0.7)],
            "days_in_stage": [{"stage_number": 1, "stage": "Qualification", "median_days": 6.0, "sample": 12,
                               "benchmark": 5.0}],
            **_rate("discount_depth", 0.12, Decimal("40800.00"), Decimal("340000.00"), 0.09), **over}


def ae_peers() -> list[dict]:
    return [ae("a2", "Ben Ae", **_rate("attainment_vs_pace", 1.1, Decimal("330000.00"), Decimal("300000.00"), 0.85),
               forecast_accuracy=None, forecast_accuracy_numerator=Decimal("0.00"),
               forecast_accuracy_denominator=None, forecast_quarters_out_of_band=0),
            ae("a4", "Dee Ae", manager="m2", attainment_vs_pace=0.7),
            ae("a3", "Cal Ae", manager="m2", segment="Enterprise", discount_depth_benchmark=0.05)]


def am(rep_id="am1", name="Alma Am", manager="m1", **over) -> dict:
    return {**_base(rep_id, name, "AM", manager),
            **_rate("nrr", 1_250_000 / 1_200_000, None, None, 1.01),
            "nrr_starting_arr": Decimal("1200000.00"), "nrr_expansion": Decimal("80000.00"),
            "nrr_contraction": Decimal("10000.00"), "nrr_churn": Decimal("20000.00"), "nrr_source": "opportunities",
            **_rate("renewal_rate", 0.8, 8, 10, 0.85), "book_health_trend": -6.0, "book_health_trend_benchmark": -1.0,
            "book_accounts": 40, "book_tier_drops": 4, "book_tier_drop_share": 0.1,
            **_rate("expansion_conversion", 0.4, 4, 10, 0.5),
            **_rate("renewals_opened_late_share", 0.3, 3, 10, 0.1), "has_contracts": False, **over}


def am_peers() -> list[dict]:
    return [am("am2", "Abe Am", **_rate("renewal_rate", 0.9, 9, 10, 0.85)),
            am("am3", "Ada Am", manager="m2", **_rate("renewal_rate", 0.85, 17, 20, 0.85))]


def csm(rep_id="c1", name="Cora Csm", manager="m1", **over) -> dict:
    return {**_base(rep_id, name, "CSM", manager), **_rate("ttv_attainment", 0.7, 7, 10, 0.6),
            "book_health_trend": 2.5, "book_health_trend_benchmark": 0.5, "book_accounts": 25,
            "book_tier_drops": 0, "book_tier_drop_share": 0.0,
            **_rate("milestones_on_time", 0.8, 12, 15, 0.75), **_rate("escalation_rate", 0.16, 4, 25, 0.2),
            "nps_mean": 32.0, "nps_trend": 4.0, **over}


def csm_peers() -> list[dict]:
    return [csm("c2", "Cy Csm", **_rate("ttv_attainment", 0.5, 5, 10, 0.6), book_health_trend=-0.5),
            csm("c3", "Cleo Csm", manager="m2", **_rate("ttv_attainment", 0.6, 6, 10, 0.6))]


def every_row() -> list[dict]:
    return [sdr(), *sdr_peers(), ae(), *ae_peers(), am(), *am_peers(), csm(), *csm_peers()]


def create_role_metrics(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """marts.role_metrics with the spec's columns and `rows` (columns a row leaves out are null)."""
    con.execute("create schema if not exists marts")
    con.execute("create table marts.role_metrics (" + ", ".join(f"{c} {t}" for c, t in COLUMNS.items()) + ")")
    names = list(COLUMNS)
    con.executemany(f"insert into marts.role_metrics ({', '.join(names)}) values ({', '.join('?' * len(names))})",
                    [[r.get(c) for c in names] for r in rows])
