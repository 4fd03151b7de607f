-- One row per question of a Gong scorecard definition: questions[] of the scorecard.
-- Grain: scorecard_id + question_id. Scores of a question are on its own
-- min_range..max_range scale (normalise to 0-100 before combining questions).
with question_lists as (
    select
        scorecard_id,
        from_json(
            record,
            '{"questions": [{"questionId": "VARCHAR", "questionRevisionId": "VARCHAR",
                             "questionText": "VARCHAR", "isOverall": "BOOLEAN",
                             "questionType": "VARCHAR", "minRange": "DOUBLE",
                             "maxRange": "DOUBLE"}]}'
        ).questions as questions
    from {{ source('raw', 'gong_scorecards') }}
),

questions as (
    select
        scorecard_id,
        unnest(questions) as question,
        generate_subscripts(questions, 1) as question_position
    from question_lists
)

select
    scorecard_id,
    question.questionId as question_id,
    question.questionRevisionId as question_revision_id,
    question_position,
    {{ clean_text('question.questionText') }} as question_text,
    {{ clean_text('question.questionType') }} as question_type,
    coalesce(question.isOverall, false) as is_overall,
    question.minRange as min_range,
    question.maxRange as max_range
from questions
where question.questionId is not null
qualify row_number() over (partition by scorecard_id, question.questionId order by question_position) = 1
