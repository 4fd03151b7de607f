{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_deal_facts'}}}) }}
-- Data quality (warning): deals and quotas whose CurrencyIsoCode has no rate (no
-- CurrencyType row, no dated rate holding on the day, not the corporate currency). They
-- load and count in counts and win rates, but their corporate amount is null, so no sum,
-- mean or attainment includes them as if they were corporate money. One row per such deal
-- or quota.
select 'Opportunity' as object, opportunity_id as record_id, currency_iso_code, amount_local
from {{ ref('int_deal_facts') }}
where amount_local is not null and amount is null

union all

select 'ForecastingQuota', quota_key, currency_iso_code, quota_amount_local
from {{ ref('int_quota_periods') }}
where quota_amount is null
