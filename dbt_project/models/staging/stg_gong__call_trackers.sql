-- One row per call and tracker: content.trackers[] of the extensive-calls record. Gong
-- lists every configured tracker on every call, with count 0 when it was not heard.
-- Grain: call_id + tracker_name (tracker names are what configuration maps, e.g. which
-- tracker means "pricing"). Should a name be listed twice on one call, the higher count is
-- kept (adding them could double-count the same mentions).
-- At scale this is the largest staging table (calls x trackers), so values are taken as
-- Gong delivers them, without per-value trimming.
-- Incremental: only the calls loaded since the last build; all rows of a re-delivered call
-- are replaced, and the post-hook drops the rows its new version no longer lists
-- (macros/incremental_helpers.sql).
{{
    config(
        materialized='incremental',
        unique_key='call_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=["{{ delete_superseded_rows('gong_calls', 'call_id') }}"]
    )
}}

with tracker_lists as (
    select
        call_id,
        _loaded_at,
        -- Parse only the trackers array (see stg_gong__calls on why a partial structure).
        from_json(
            record,
            '{"content": {"trackers": [{"id": "VARCHAR", "name": "VARCHAR",
                                        "type": "VARCHAR", "count": "DOUBLE"}]}}'
        ).content.trackers as trackers
    from {{ source('raw', 'gong_calls') }}
    where {{ loaded_since_last_build() }}
),

trackers as (
    select
        call_id,
        _loaded_at,
        unnest(trackers) as tracker
    from tracker_lists
)

select
    call_id,
    tracker.name as tracker_name,
    max(tracker.id) as tracker_id,
    max(tracker.type) as tracker_type,
    max(cast(tracker.count as bigint)) as tracker_count,
    -- One value per call: every row of a call comes from its one raw record.
    any_value(_loaded_at) as _loaded_at
from trackers
where tracker.name is not null
group by call_id, tracker.name
