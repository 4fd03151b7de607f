-- One row per CRM object a Gong call is linked to: context[].objects[] of the
-- extensive-calls record (Account, Opportunity, Contact, Lead ...).
-- Grain: call_id + object_type + object_id. The same object can be listed more than once
-- (several context systems, or both the "Now" and the "TimeOfCall" snapshot); it is kept
-- once, preferring the Salesforce entry, then the "Now" snapshot.
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

with context_lists as (
    select
        call_id,
        _loaded_at,
        -- Parse only the context array (see stg_gong__calls on why a partial structure).
        -- Field values are strings or numbers: read as text.
        from_json(
            record,
            '{"context": [{"system": "VARCHAR",
                           "objects": [{"objectType": "VARCHAR", "objectId": "VARCHAR",
                                        "timing": "VARCHAR",
                                        "fields": [{"name": "VARCHAR", "value": "VARCHAR"}]}]}]}'
        ).context as context
    from {{ source('raw', 'gong_calls') }}
    where {{ loaded_since_last_build() }}
),

context_systems as (
    select
        call_id,
        _loaded_at,
        unnest(context) as context_entry,
        generate_subscripts(context, 1) as context_position
    from context_lists
),

context_objects as (
    select
        call_id,
        _loaded_at,
        context_entry.system as crm_system,
        context_position,
        unnest(context_entry.objects) as crm_object,
        generate_subscripts(context_entry.objects, 1) as object_position
    from context_systems
),

-- One flat row per listed object; the dedupe below then works on narrow rows.
context_objects_flat as (
    select
        call_id,
        _loaded_at,
        crm_object.objectType as object_type,
        crm_object.objectId as object_id,
        -- The record's Name field as Gong saw it (Account and Opportunity carry one).
        {{ clean_text("list_filter(crm_object.fields, lambda f: f.name = 'Name')[1].value") }} as object_name,
        crm_system,
        crm_object.timing as timing,
        context_position,
        object_position
    from context_objects
    where crm_object.objectType is not null
      and crm_object.objectId is not null
)

select
    call_id,
    object_type,
    object_id,
    object_name,
    crm_system,
    timing,
    _loaded_at
from context_objects_flat
qualify row_number() over (
    partition by call_id, object_type, object_id
    order by
        (crm_system = 'Salesforce') desc nulls last,
        (timing = 'Now') desc nulls last,
        context_position,
        object_position
) = 1
