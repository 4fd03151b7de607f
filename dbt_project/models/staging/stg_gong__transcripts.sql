-- One row per transcribed Gong call (POST /v2/calls/transcript).
-- The transcript stays JSON, exactly as Gong sends it: a list of monologues
-- {speakerId, topic, sentences: [{start, end, text}]} with start/end in milliseconds from
-- the call start; speakerId joins stg_gong__call_parties.speaker_id.
-- Why not typed or unnested here: sentences run to hundreds per call, and writing them
-- as typed nested lists costs several times more than keeping the JSON text, for
-- consumers (talk time, quotes) that read only parts of it.
-- Incremental: only the records loaded since the last build (macros/incremental_helpers.sql).
{{
    config(
        materialized='incremental',
        unique_key='call_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

with transcripts as (
    select
        call_id,
        record -> '$.transcript' as transcript,
        _loaded_at
    from {{ source('raw', 'gong_transcripts') }}
    where {{ loaded_since_last_build() }}
)

select
    call_id,
    transcript,
    coalesce(json_array_length(transcript), 0) as monologue_count,
    _loaded_at
from transcripts
