{{ config(meta={'dagster': {'ref': {'name': 'int_quota_daily'}}}) }}
-- Spreading quota over days neither loses nor invents quota: per owner, the daily amounts
-- add up to the QuotaAmount of the owner's quota rows starting on or before as_of.
with daily as (
    select rep_id, sum(quota_amount) as daily_total
    from {{ ref('int_quota_daily') }}
    group by rep_id
),

quota_rows as (
    select quotas.quota_owner_id as rep_id, sum(quotas.quota_amount) as quota_total
    from {{ ref('stg_salesforce__forecasting_quotas') }} as quotas
    cross join {{ ref('int_as_of') }} as as_of
    left join {{ ref('stg_salesforce__periods') }} as periods on quotas.period_id = periods.period_id
    where quotas.start_date <= as_of.as_of
      -- a Period ending before it starts covers no day
      and (periods.period_id is null or periods.end_date >= periods.start_date)
    group by quotas.quota_owner_id
)

select quota_rows.rep_id, quota_rows.quota_total, daily.daily_total
from quota_rows
left join daily on quota_rows.rep_id = daily.rep_id
where abs(quota_rows.quota_total - coalesce(daily.daily_total, 0)) > 0.01
