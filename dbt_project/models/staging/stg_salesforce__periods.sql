-- One row per Salesforce fiscal Period (Month, Quarter, Year) that is not soft-deleted.
with live_periods as (
    select *
    from {{ source('raw', 'period') }}
    where {{ is_not_soft_deleted() }}
)

select
    id as period_id,
    start_date,
    end_date,
    {{ clean_text('type') }} as period_type
from live_periods
