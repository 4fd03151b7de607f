-- One row per currency of a multi-currency org (CurrencyType), not soft-deleted. Codes are
-- upper-cased so `eur` and `EUR` are one currency. Empty in a single-currency org.
with live_currency_types as (
    select *
    from {{ source('raw', 'currency_type') }}
    where {{ is_not_soft_deleted() }}
)

select
    upper({{ clean_text('iso_code') }}) as iso_code,
    conversion_rate,
    coalesce(is_corporate, false) as is_corporate,
    coalesce(is_active, true) as is_active,
    cast(decimal_places as integer) as decimal_places
from live_currency_types
where {{ clean_text('iso_code') }} is not null
