-- One row per dated exchange rate (DatedConversionRate, advanced currency management), not
-- soft-deleted. A rate holds on [start_date, next_start_date); an empty NextStartDate is
-- open-ended. Salesforce's sentinel dates (0001-01-01, 9999-12-31) are kept as they are.
with live_rates as (
    select *
    from {{ source('raw', 'dated_conversion_rate') }}
    where {{ is_not_soft_deleted() }}
)

select
    upper({{ clean_text('iso_code') }}) as iso_code,
    conversion_rate,
    start_date,
    next_start_date
from live_rates
where {{ clean_text('iso_code') }} is not null
