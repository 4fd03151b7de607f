-- One row per fiscal quarter, from the earliest quarter holding an Opportunity CloseDate or
-- a ForecastingQuota StartDate up to the quarter holding as_of.
-- Fiscal years start on the first day of the start month and are named by the calendar
-- year in which they END (start month 2: Feb 2024 - Jan 2025 is FY2025). The start month is
-- Organization.FiscalYearStartMonth when the org has one - the environment variable
-- COACHING_DBT_FISCAL_YEAR_START_MONTH, read from raw.organization by the product before dbt
-- runs (coaching_pipeline/fiscal.py; the coaching step uses the same value) - else the var
-- fiscal_year_start_month (settings fiscal.year_start_month). An environment variable, not a
-- var, for the reason int_as_of gives: a change re-parses this file only.
{%- set start_month = (env_var('COACHING_DBT_FISCAL_YEAR_START_MONTH', '') or var('fiscal_year_start_month')) | int %}
{%- if start_month < 1 or start_month > 12 %}
    {{ exceptions.raise_compiler_error('fiscal year start month must be 1-12, got ' ~ start_month) }}
{%- endif %}
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

-- Only records that exist as of as_of: deals created on or before it, quota rows starting
-- on or before it (the same records the other intermediate models keep).
first_dates as (
    select min(close_date) as first_date
    from {{ ref('stg_salesforce__opportunities') }}, as_of
    where created_date <= as_of.as_of
    union all
    select min(start_date)
    from {{ ref('stg_salesforce__forecasting_quotas') }}, as_of
    where start_date <= as_of.as_of
),

-- Months since the fiscal year began, 0-11, for a date d: (month(d) - start_month) mod 12.
bounds as (
    select
        as_of.as_of,
        -- Never later than the as_of quarter: without deals or quotas only that quarter.
        least(coalesce(min(first_dates.first_date), as_of.as_of), as_of.as_of) as first_date
    from as_of, first_dates
    group by as_of.as_of
),

quarter_bounds as (
    select
        as_of,
        cast(date_trunc('month', first_date)
             - to_months(((month(first_date) - {{ start_month }} + 12) % 12) % 3) as date) as first_quarter_start,
        cast(date_trunc('month', as_of)
             - to_months(((month(as_of) - {{ start_month }} + 12) % 12) % 3) as date) as last_quarter_start
    from bounds
),

quarter_starts as (
    select
        as_of,
        cast(unnest(generate_series(
            cast(first_quarter_start as timestamp),
            cast(last_quarter_start as timestamp),
            interval 3 month
        )) as date) as quarter_start
    from quarter_bounds
),

quarters as (
    select
        as_of,
        quarter_start,
        cast(quarter_start + interval 3 month - interval 1 day as date) as quarter_end,
        -- First day of the fiscal year holding this quarter.
        cast(quarter_start
             - to_months((month(quarter_start) - {{ start_month }} + 12) % 12) as date) as fiscal_year_start,
        ((month(quarter_start) - {{ start_month }} + 12) % 12) // 3 + 1 as quarter_number
    from quarter_starts
),

named_quarters as (
    select
        *,
        -- Named by the calendar year of the fiscal year's last day.
        year(fiscal_year_start + interval 12 month - interval 1 day) as fiscal_year,
        least(quarter_end, as_of) as window_end
    from quarters
)

select
    cast(fiscal_year as varchar) || '-Q' || cast(quarter_number as varchar) as fiscal_quarter,
    cast(fiscal_year as integer) as fiscal_year,
    cast(quarter_number as integer) as quarter_number,
    quarter_start,
    quarter_end,
    window_end,
    as_of between quarter_start and quarter_end as is_current_quarter,
    cast(quarter_end - quarter_start + 1 as integer) as days_in_quarter,
    cast(window_end - quarter_start + 1 as integer) as elapsed_days,
    fiscal_year_start,
    cast(fiscal_year_start + interval 12 month - interval 1 day as date) as fiscal_year_end,
    -- Share of the quarter elapsed as of as_of (1.0 for past quarters): the contract's quota_pace.
    (window_end - quarter_start + 1) / (quarter_end - quarter_start + 1) as quota_pace
from named_quarters
