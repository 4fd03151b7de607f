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
    quota_amount,
    {{ clean_id('period_id') }} as period_id,
    {{ clean_text('currency_iso_code') }} as currency_iso_code
from live_quotas
