-- One row per quota owner per calendar day covered by a ForecastingQuota row starting on
-- or before as_of. Each quota row's QuotaAmount is spread evenly over the days it covers
-- (both ends inclusive); overlapping quota rows add up. Sum quota_amount over any date
-- range to get the quota of that range pro rata (a quarter, fiscal year to date ...).
{%- set default_months = var('default_quota_period_months') | int %}
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

quotas as (
    select quotas.*
    from {{ ref('stg_salesforce__forecasting_quotas') }} as quotas, as_of
    where quotas.start_date <= as_of.as_of
),

-- Coverage: the Period named by PeriodId; without a (known) Period, default_quota_period_months
-- calendar months from StartDate (end = start + N months - 1 day).
quota_coverage as (
    select
        quotas.quota_key,
        quotas.quota_owner_id,
        quotas.quota_amount,
        coalesce(periods.start_date, quotas.start_date) as coverage_start,
        coalesce(
            periods.end_date,
            cast(quotas.start_date + interval {{ default_months }} month - interval 1 day as date)
        ) as coverage_end,
        periods.period_id is not null as has_period
    from quotas
    left join {{ ref('stg_salesforce__periods') }} as periods on quotas.period_id = periods.period_id
),

quota_days as (
    select
        quota_key,
        quota_owner_id,
        quota_amount,
        coverage_start,
        coverage_end,
        cast(unnest(generate_series(
            cast(coverage_start as timestamp), cast(coverage_end as timestamp), interval 1 day
        )) as date) as quota_date
    from quota_coverage
    where coverage_end >= coverage_start
)

select
    quota_owner_id as rep_id,
    quota_date,
    sum(quota_amount / (coverage_end - coverage_start + 1)) as quota_amount,
    count(*) as quota_row_count
from quota_days
group by quota_owner_id, quota_date
