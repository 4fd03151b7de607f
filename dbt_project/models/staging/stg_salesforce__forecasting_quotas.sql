-- One row per quota owner and quota start date (the raw key: extracts often omit Id), not
-- soft-deleted. quota_key is a readable surrogate of that grain.
with live_quotas as (
    select *
    from {{ source('raw', 'forecasting_quota') }}
    where {{ is_not_soft_deleted() }}
)

select
    quota_owner_id || '|' || strftime(start_date, '%Y-%m-%d') as quota_key,
    {{ clean_id('id') }} as quota_id,
    quota_owner_id,
    start_date,
    -- In the quota's own currency; int_quota_periods converts it to the corporate currency.
    quota_amount as quota_amount_local,
    {{ clean_id('period_id') }} as period_id,
    upper({{ clean_text('currency_iso_code') }}) as currency_iso_code
from live_quotas
