-- One row per activity-log row: the key is (source, activity_id), already unique in raw.
-- activity_key joins the two into one column for convenience.
-- Incremental: only the raw rows loaded since the last build (macros/incremental_helpers.sql).
{{
    config(
        materialized='incremental',
        unique_key='activity_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}
with activities_with_type as (
    select
        *,
        lower({{ clean_text('activity_type') }}) as activity_type_lower
    from {{ source('raw', 'activities') }}
    where {{ loaded_since_last_build() }}
)

select
    source || ':' || activity_id as activity_key,
    activity_id,
    source,
    {{ clean_id('rep_id') }} as rep_id,
    {{ clean_text('rep_email') }} as rep_email,
    {{ email_lower('rep_email') }} as rep_email_lower,
    -- Case-insensitive; anything outside the contract's list is 'other'.
    case
        when activity_type_lower in ('call', 'email', 'meeting', 'demo', 'social', 'task')
            then activity_type_lower
        else 'other'
    end as activity_type,
    {{ clean_text('activity_type') }} as activity_type_delivered,
    occurred_at,
    -- The UTC calendar date of the activity.
    cast(occurred_at as date) as activity_date,
    {{ clean_id('account_id') }} as account_id,
    {{ clean_id('contact_id') }} as contact_id,
    {{ clean_id('opportunity_id') }} as opportunity_id,
    duration_seconds,
    {{ clean_text('direction') }} as direction,
    {{ clean_text('outcome') }} as outcome,
    _loaded_at
from activities_with_type
