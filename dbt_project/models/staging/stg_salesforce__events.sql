-- One row per Salesforce Event (calendar meeting or demo) that is not soft-deleted.
-- Incremental: only the raw rows loaded since the last build; the post-hook drops records
-- soft-deleted since (macros/incremental_helpers.sql).
{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=["{{ delete_soft_deleted('event', 'event_id') }}"]
    )
}}

with live_events as (
    select *
    from {{ source('raw', 'event') }}
    where {{ is_not_soft_deleted() }}
      and {{ loaded_since_last_build() }}
)

select
    id as event_id,
    {{ clean_id('owner_id') }} as owner_id,
    start_date_time as started_at,
    -- The UTC date of its start (int_activities dates it in the owner's zone).
    cast(start_date_time as date) as activity_date,
    end_date_time as ended_at,
    duration_in_minutes as duration_minutes,
    {{ clean_text('type') }} as event_type,
    {{ clean_text('subject') }} as subject,
    {{ clean_id('who_id') }} as who_id,
    {{ clean_id('what_id') }} as what_id,
    {{ clean_id('account_id') }} as account_id,
    created_date as created_at,
    _loaded_at
from live_events
