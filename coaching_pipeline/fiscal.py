"""The calendar every part of the product shares: the fiscal year start month, fiscal quarters
(bounds, name, days left), the Monday of a week and the previous month.

The fiscal year start month: Organization.FiscalYearStartMonth when the org delivered one,
else settings fiscal.year_start_month (landing-zone contract, "Fiscal year").

One rule for dbt and Python. The dbt step reads it here from raw.organization before dbt
starts and passes the Organization's month in FISCAL_START_ENV (int_fiscal_quarters reads it
before the var fiscal_year_start_month, which stays the configured default: the vars never
change with the data, so dbt keeps its partial parse). The coaching step calls
`fiscal_year_start_month` on the same warehouse, whose raw layer dbt has just read.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from .config import settings
from .db import table_exists

FISCAL_START_ENV = "COACHING_DBT_FISCAL_YEAR_START_MONTH"

# The org is the latest live row (stg_salesforce__organization.is_latest: the same order).
_LATEST_ORGANIZATION = """
    select fiscal_year_start_month
    from raw.organization
    where is_deleted is not true and _fivetran_deleted is not true
    order by system_modstamp desc nulls last, last_modified_date desc nulls last,
             _source_file desc, _source_row desc
    limit 1
"""


def organization_start_month(con: duckdb.DuckDBPyConnection) -> int | None:
    """FiscalYearStartMonth of the org (its latest version), or None: no Organization row,
    none with the month, or a warehouse loaded before raw.organization existed."""
    if not table_exists(con, "raw", "organization"):
        return None
    row = con.execute(_LATEST_ORGANIZATION).fetchone()
    if row is None or row[0] is None:
        return None
    month = int(row[0])
    return month if 1 <= month <= 12 else None  # the loader quarantines others; never trust a bad one


def fiscal_year_start_month(con: duckdb.DuckDBPyConnection | None = None) -> int:
    """The effective start month (1-12): the org's when `con`'s warehouse has one, else the
    configured default."""
    month = organization_start_month(con) if con is not None else None
    return month or settings().fiscal.year_start_month


# --------------------------------------------------------------------------------------
# fiscal quarters


def fiscal_quarter(day: dt.date, year_start_month: int) -> tuple[dt.date, dt.date]:
    """(first day, last day) of the fiscal quarter holding `day`."""
    months_back = ((day.month - year_start_month) % 12) % 3
    month_index = day.year * 12 + (day.month - 1) - months_back
    start = dt.date(month_index // 12, month_index % 12 + 1, 1)
    end_index = month_index + 3
    end = dt.date(end_index // 12, end_index % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def fiscal_quarter_name(quarter_start: dt.date, year_start_month: int) -> str:
    """'2025-Q2', as intermediate.int_fiscal_quarters names it: the fiscal year is named by
    the calendar year in which it ends."""
    months_in = (quarter_start.month - year_start_month) % 12
    year_start_index = quarter_start.year * 12 + quarter_start.month - 1 - months_in
    year_end_index = year_start_index + 11
    return f"{year_end_index // 12}-Q{months_in // 3 + 1}"


def days_left(quarter_end: dt.date, day: dt.date) -> int:
    """The days of the quarter after `day`: 0 on its last day."""
    return (quarter_end - day).days


# --------------------------------------------------------------------------------------
# weeks and months


def monday_of(day: dt.date) -> dt.date:
    """The Monday of the (ISO) week holding `day`: the key of a weekly partition."""
    return day - dt.timedelta(days=day.weekday())


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before `day`'s month."""
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
