-- One row per Gong scorecard definition (GET /v2/settings/scorecards).
with scorecards as (
    select
        *,
        from_json(
            record,
            '{"workspaceId": "VARCHAR", "reviewMethod": "VARCHAR", "created": "VARCHAR",
              "questions": ["JSON"]}'
        ) as details
    from {{ source('raw', 'gong_scorecards') }}
)

select
    scorecard_id,
    {{ clean_text('scorecard_name') }} as scorecard_name,
    enabled as is_enabled,
    {{ clean_id('details.workspaceId') }} as workspace_id,
    {{ clean_text('details.reviewMethod') }} as review_method,
    -- Gong timestamps carry an offset; stored as UTC without a zone like every raw timestamp.
    cast(try_cast(details.created as timestamptz) at time zone 'UTC' as timestamp) as created_at,
    updated as updated_at,
    coalesce(len(details.questions), 0) as question_count
from scorecards
