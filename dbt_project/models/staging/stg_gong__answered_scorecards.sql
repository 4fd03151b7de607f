-- One row per answered Gong scorecard (one review of one call), from
-- POST /v2/stats/activity/scorecards.
-- Incremental: only the records loaded since the last build (macros/incremental_helpers.sql).
{{
    config(
        materialized='incremental',
        unique_key='answered_scorecard_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

with answered as (
    select
        *,
        from_json(
            record,
            '{"scorecardName": "VARCHAR", "reviewMethod": "VARCHAR", "visibilityType": "VARCHAR"}'
        ) as details
    from {{ source('raw', 'gong_answered_scorecards') }}
    where {{ loaded_since_last_build() }}
)

select
    answered_scorecard_id,
    {{ clean_id('scorecard_id') }} as scorecard_id,
    {{ clean_text('details.scorecardName') }} as scorecard_name,
    {{ clean_id('call_id') }} as call_id,
    call_start_time as call_started_at,
    {{ clean_id('reviewed_user_id') }} as reviewed_user_id,
    {{ clean_id('reviewer_user_id') }} as reviewer_user_id,
    review_time as reviewed_at,
    {{ clean_text('details.reviewMethod') }} as review_method,
    {{ clean_text('details.visibilityType') }} as visibility_type,
    _loaded_at
from answered
