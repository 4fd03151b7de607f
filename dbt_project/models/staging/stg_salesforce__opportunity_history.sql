-- One row per OpportunityHistory record (a stage/amount/close-date snapshot taken by
-- Salesforce whenever one of them changed) that is not soft-deleted.
with live_history as (
    select *
    from {{ source('raw', 'opportunity_history') }}
    where {{ is_not_soft_deleted() }}
)

select
    id as opportunity_history_id,
    {{ clean_id('opportunity_id') }} as opportunity_id,
    {{ clean_text('stage_name') }} as stage_name,
    amount,
    close_date,
    probability,
    {{ clean_text('forecast_category') }} as forecast_category,
    created_date as created_at,
    cast(created_date as date) as created_date
from live_history
