-- One row per Gong call (the loader already keeps the last delivered version of each
-- metaData.id). Call facts come from the typed raw columns; the host's interaction stats
-- come from the JSON record.
--
-- Speed: the record (context, parties, trackers, ...) is by far the biggest column. It is
-- parsed once per row with from_json and a partial structure naming only the fields read
-- here (the rest of the document is skipped), instead of one JSON path lookup per stat.
-- Incremental: only the calls loaded since the last build (macros/incremental_helpers.sql).
{{
    config(
        materialized='incremental',
        unique_key='call_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

with calls_with_interaction as (
    select
        *,
        from_json(
            record,
            '{"interaction": {
                "interactionStats": [{"name": "VARCHAR", "value": "DOUBLE"}],
                "questions": {"companyCount": "DOUBLE", "nonCompanyCount": "DOUBLE"}
            }}'
        ).interaction as interaction
    from {{ source('raw', 'gong_calls') }}
    where {{ loaded_since_last_build() }}
)

select
    call_id,
    url,
    {{ clean_text('title') }} as title,
    started as started_at,
    cast(started as date) as call_date,
    scheduled as scheduled_at,
    duration as duration_seconds,
    {{ clean_id('primary_user_id') }} as primary_user_id,
    scope,
    -- Only External calls are customer conversations (landing-zone contract).
    coalesce(scope = 'External', false) as is_external,
    direction,
    system,
    media,
    language,
    {{ clean_id('workspace_id') }} as workspace_id,
    -- interactionStats is a list of {name, value} for the host; any stat may be missing
    -- (then null). [1] takes the first entry of that name.
    list_filter(interaction.interactionStats, lambda s: s.name = 'Talk Ratio')[1].value as talk_ratio,
    list_filter(interaction.interactionStats, lambda s: s.name = 'Longest Monologue')[1].value as longest_monologue_s,
    list_filter(interaction.interactionStats, lambda s: s.name = 'Longest Customer Story')[1].value as longest_customer_story_s,
    list_filter(interaction.interactionStats, lambda s: s.name = 'Interactivity')[1].value as interactivity,
    list_filter(interaction.interactionStats, lambda s: s.name = 'Patience')[1].value as patience_s,
    cast(interaction.questions.companyCount as bigint) as questions_company_count,
    cast(interaction.questions.nonCompanyCount as bigint) as questions_non_company_count,
    _loaded_at
from calls_with_interaction
