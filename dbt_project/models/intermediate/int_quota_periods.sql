-- One row per ForecastingQuota row starting on or before as_of: the days it covers and its
-- amount in the corporate currency. A report window's quota is the sum over the rows that
-- overlap it of quota_amount x overlap_days / coverage_days (pro rata by calendar day, both
-- ends inclusive; overlapping quota rows add up), computed exactly with the pro_rata_share
-- macro and rounded to the cent once (rep_performance, the coaching step's attainment).
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
        quotas.quota_amount_local,
        quotas.currency_iso_code,
        coalesce(periods.start_date, quotas.start_date) as coverage_start,
        coalesce(
            periods.end_date,
            cast(quotas.start_date + interval {{ default_months }} month - interval 1 day as date)
        ) as coverage_end,
        periods.period_id is not null as has_period
    from quotas
    left join {{ ref('stg_salesforce__periods') }} as periods on quotas.period_id = periods.period_id
),

-- A quota converts at the rate valid on its period's start.
quota_rates as (
    {{ rates_for('quota_coverage', 'quota_key', 'currency_iso_code', 'coverage_start') }}
)

select
    quota_coverage.quota_key,
    quota_coverage.quota_owner_id as rep_id,
    quota_coverage.coverage_start,
    quota_coverage.coverage_end,
    quota_coverage.coverage_end - quota_coverage.coverage_start + 1 as coverage_days,
    {{ to_corporate('quota_coverage.quota_amount_local', 'quota_rates.conversion_rate') }} as quota_amount,
    quota_coverage.quota_amount_local,
    coalesce(quota_coverage.currency_iso_code, corporate.corporate_iso_code) as currency_iso_code,
    quota_coverage.has_period
from quota_coverage
cross join {{ ref('int_corporate_currency') }} as corporate
left join quota_rates on quota_coverage.quota_key = quota_rates.quota_key
where quota_coverage.coverage_end >= quota_coverage.coverage_start
