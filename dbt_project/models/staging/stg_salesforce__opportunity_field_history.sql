-- One row per OpportunityFieldHistory record (one tracked field change) that is not
-- soft-deleted. Values stay text: Salesforce stores every field's old/new value as text.
with live_field_history as (
    select *
    from {{ source('raw', 'opportunity_field_history') }}
    where {{ is_not_soft_deleted() }}
)

select
    id as opportunity_field_history_id,
    {{ clean_id('opportunity_id') }} as opportunity_id,
    {{ clean_text('field') }} as field_name,
    {{ clean_text('old_value') }} as old_value,
    {{ clean_text('new_value') }} as new_value,
    created_date as created_at,
    cast(created_date as date) as created_date
from live_field_history
