"""The fiscal year start month: Organization.FiscalYearStartMonth when the org delivered one,
else settings fiscal.year_start_month (landing-zone contract, "Fiscal year").

One rule for dbt and Python. The dbt step reads it here from raw.organization before dbt
starts and passes the Organization's month in FISCAL_START_ENV (int_fiscal_quarters reads it
before the var fiscal_year_start_month, which stays the configured default: the vars never
change with the data, so dbt keeps its partial parse). The coaching step calls
`fiscal_year_start_month` on the same warehouse, whose raw layer dbt has just read.
"""

from __future__ import annotations

import duckdb

from .config import settings

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
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'organization'"
    ).fetchone()[0]
    if not exists:
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

