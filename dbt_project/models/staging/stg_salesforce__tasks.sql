-- One row per Salesforce Task (logged call, email, to-do) that is not soft-deleted.
-- Incremental: only the raw rows loaded since the last build; the post-hook drops records
-- soft-deleted since (macros/incremental_helpers.sql).
{{
    config(
        materialized='incremental',
        unique_key='task_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=["{{ delete_soft_deleted('task', 'task_id') }}"]
    )
}}

with live_tasks as (
    select *
    from {{ source('raw', 'task') }}
    where {{ is_not_soft_deleted() }}
      and {{ loaded_since_last_build() }}
)

select
    id as task_id,
    {{ clean_id('owner_id') }} as owner_id,
    -- ActivityDate when set, else the UTC date it was created (the contract requires one of
    -- the two). The day it counts for is int_activities', in the owner's zone.
    coalesce(activity_date, cast(created_date as date)) as activity_date,
    activity_date as due_date,
    {{ clean_text('task_subtype') }} as task_subtype,
    {{ clean_text('type') }} as task_type,
    {{ clean_text('subject') }} as subject,
    {{ clean_text('status') }} as status,
    {{ clean_id('who_id') }} as who_id,
    {{ clean_id('what_id') }} as what_id,
    {{ clean_id('account_id') }} as account_id,
    call_duration_in_seconds as call_duration_seconds,
    {{ clean_text('call_type') }} as call_type,
    created_date as created_at,
    _loaded_at
from live_tasks
