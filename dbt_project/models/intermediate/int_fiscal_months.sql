-- One row per fiscal month, from the earliest month holding any data (an activity, a
-- deal's CreatedDate, a Gong call, a quota start or a cs/ health snapshot) up to the month
-- holding as_of, with its fiscal quarter and the role window that ends in it.
-- Fiscal months are calendar months (a fiscal year starts on the first day of its start
-- month); quarters and years are named as in int_fiscal_quarters, from the same start month
-- (Organization.FiscalYearStartMonth via COACHING_DBT_FISCAL_YEAR_START_MONTH, else the var).
{%- set start_month = (env_var('COACHING_DBT_FISCAL_YEAR_START_MONTH', '') or var('fiscal_year_start_month')) | int %}
{%- set window_months = role_setting('window_months') | int %}
{%- if start_month < 1 or start_month > 12 %}
    {{ exceptions.raise_compiler_error('fiscal year start month must be 1-12, got ' ~ start_month) }}
{%- endif %}
{%- if window_months < 1 %}
    {{ exceptions.raise_compiler_error('roles.window_months must be 1 or more, got ' ~ window_months) }}
{%- endif %}
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

-- The earliest date of each kind of data that exists as of as_of.
first_dates as (
    select min(activity_date) as first_date from {{ ref('int_activities') }}
    union all
    select min(created_date) from {{ ref('int_deal_facts') }}
    union all
    select min(call_date) from {{ ref('int_gong_calls') }}
    union all
    select min(coverage_start) from {{ ref('int_quota_periods') }}
    union all
    select min(snapshot_date) from {{ ref('stg_cs__health_snapshots') }}
),

bounds as (
    select
        as_of.as_of,
        cast(date_trunc('month', least(coalesce(min(first_dates.first_date), as_of.as_of), as_of.as_of)) as date)
            as first_month,
        cast(date_trunc('month', as_of.as_of) as date) as last_month
    from as_of, first_dates
    group by as_of.as_of
),

months as (
    select
        as_of,
        cast(unnest(generate_series(
            cast(first_month as timestamp), cast(last_month as timestamp), interval 1 month
        )) as date) as month_start
    from bounds
),

-- Months since the fiscal year began, 0-11: (month - start_month) mod 12.
fiscal_positions as (
    select
        *,
        cast(month_start + interval 1 month - interval 1 day as date) as month_end,
        (month(month_start) - {{ start_month }} + 12) % 12 as months_into_year
    from months
),

fiscal_months as (
    select
        *,
        cast(month_start - to_months(months_into_year) as date) as fiscal_year_start,
        cast(month_start - to_months(months_into_year % 3) as date) as quarter_start,
        months_into_year // 3 + 1 as quarter_number,
        least(month_end, as_of) as window_end
    from fiscal_positions
)

select
    month_start,
    month_end,
    cast(year(fiscal_year_start + interval 12 month - interval 1 day) as varchar)
        || '-Q' || cast(quarter_number as varchar) as fiscal_quarter,
    cast(year(fiscal_year_start + interval 12 month - interval 1 day) as integer) as fiscal_year,
    cast(months_into_year + 1 as integer) as fiscal_month_number,
    quarter_start,
    cast(quarter_start + interval 3 month - interval 1 day as date) as quarter_end,
    as_of between month_start and month_end as is_current_month,
    -- The role window: the window_months fiscal months ending with this one.
    cast(month_start - to_months({{ window_months - 1 }}) as date) as window_start,
    window_end,
    -- Mon-Fri days of the month up to the window end (SDR touches per business day).
    cast(len(list_filter(
        generate_series(cast(month_start as timestamp), cast(window_end as timestamp), interval 1 day),
        day -> isodow(day) <= 5
    )) as integer) as business_days,
    -- Share of the fiscal quarter elapsed at the window end (quota_pace of attainment_vs_pace).
    (window_end - quarter_start + 1)
        / (cast(quarter_start + interval 3 month - interval 1 day as date) - quarter_start + 1) as quota_pace
from fiscal_months
