-- One row per activity-log row: the key is (source, activity_id), already unique in raw.
-- activity_key joins the two into one column for convenience.
-- Incremental: only the raw rows loaded since the last build (macros/incremental_helpers.sql).
-- A table built by the version before the sequence columns (issue 20) lacks them: the build
-- adds them (append_new_columns) and builds every raw row again (rebuild_without), so old rows
-- get their outcome_kind and sequence values too.
{%- set added_in_issue_20 = ['sequence_name', 'sequence_step', 'cadence_type', 'outcome_kind'] %}
{{
    config(
        materialized='incremental',
        unique_key='activity_key',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}
with activities_with_type as (
    select
        *,
        lower({{ clean_text('activity_type') }}) as activity_type_lower
    from {{ source('raw', 'activities') }}
    where {{ loaded_since_last_build(rebuild_without=added_in_issue_20) }}
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
    -- The outcomes the SDR metrics count (a response: replied, meeting_booked, connected).
    {{ label_in('outcome', ['replied', 'meeting_booked', 'bounced', 'no_answer', 'connected']) }} as outcome_kind,
    {{ clean_text('sequence_name') }} as sequence_name,
    cast(sequence_step as integer) as sequence_step,
    {{ label_in('cadence_type', ['cold', 'warm', 'abm', 're_engage']) }} as cadence_type,
    _loaded_at
from activities_with_type
