-- One row per answer of an answered Gong scorecard: answers[] of the answered scorecard.
-- Grain: answered_scorecard_id + question_id. score is on the question's own
-- min_range..max_range (stg_gong__scorecard_questions); it is null for questions answered
-- with options or text, and for questions marked not applicable.
-- Incremental: only the scorecards loaded since the last build; all rows of a re-delivered
-- scorecard are replaced, and the post-hook drops the answers its new version no longer
-- lists (macros/incremental_helpers.sql).
{{
    config(
        materialized='incremental',
        unique_key='answered_scorecard_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=["{{ delete_superseded_rows('gong_answered_scorecards', 'answered_scorecard_id') }}"]
    )
}}

with answer_lists as (
    select
        answered_scorecard_id,
        scorecard_id,
        call_id,
        reviewed_user_id,
        _loaded_at,
        from_json(
            record,
            '{"answers": [{"questionId": "VARCHAR", "questionRevisionId": "VARCHAR",
                           "isOverall": "BOOLEAN", "score": "DOUBLE", "answerText": "VARCHAR",
                           "notApplicable": "BOOLEAN", "selectedOptions": ["VARCHAR"]}]}'
        ).answers as answers
    from {{ source('raw', 'gong_answered_scorecards') }}
    where {{ loaded_since_last_build() }}
),

answers as (
    select
        answered_scorecard_id,
        scorecard_id,
        call_id,
        reviewed_user_id,
        _loaded_at,
        unnest(answers) as answer,
        generate_subscripts(answers, 1) as answer_position
    from answer_lists
)

select
    answered_scorecard_id,
    {{ clean_id('scorecard_id') }} as scorecard_id,
    {{ clean_id('call_id') }} as call_id,
    {{ clean_id('reviewed_user_id') }} as reviewed_user_id,
    answer.questionId as question_id,
    answer.questionRevisionId as question_revision_id,
    answer.score as score,
    coalesce(answer.isOverall, false) as is_overall,
    coalesce(answer.notApplicable, false) as not_applicable,
    {{ clean_text('answer.answerText') }} as answer_text,
    answer.selectedOptions as selected_options,
    _loaded_at
from answers
where answer.questionId is not null
qualify row_number() over (partition by answered_scorecard_id, answer.questionId order by answer_position) = 1
