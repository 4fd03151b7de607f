-- One row per participant (party) of a Gong call: parties[] of the extensive-calls record.
-- Grain: call_id + party_id. Gong always sends a party id; a party without one cannot be
-- told apart from the others and is left out. A party listed twice on the same call is
-- kept once (first listing).
-- Machine-generated values (ids, affiliation) are taken as delivered; only the
-- human-entered ones (email, name, title) are trimmed.
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

with party_lists as (
    select
        call_id,
        _loaded_at,
        -- Parse only the parties array (see stg_gong__calls on why a partial structure).
        from_json(
            record,
            '{"parties": [{
                "id": "VARCHAR", "emailAddress": "VARCHAR", "name": "VARCHAR",
                "title": "VARCHAR", "affiliation": "VARCHAR", "userId": "VARCHAR",
                "speakerId": "VARCHAR",
                "context": [{"objects": [{"objectType": "VARCHAR", "objectId": "VARCHAR"}]}]
            }]}'
        ).parties as parties
    from {{ source('raw', 'gong_calls') }}
    where {{ loaded_since_last_build() }}
),

parties as (
    select
        call_id,
        _loaded_at,
        unnest(parties) as party,
        generate_subscripts(parties, 1) as party_position
    from party_lists
),

-- The CRM records Gong matched each party to (a Contact, a Lead, a User), flattened across
-- context systems.
parties_with_crm_objects as (
    select
        call_id,
        _loaded_at,
        party,
        party_position,
        flatten(list_transform(party.context, lambda c: c.objects)) as crm_objects
    from parties
    where party.id is not null
),

-- One flat row per listed party: the dedupe below then buffers narrow rows only.
parties_flat as (
    select
        call_id,
        _loaded_at,
        party_position,
        party.id as party_id,
        {{ clean_text('party.emailAddress') }} as email,
        {{ email_lower('party.emailAddress') }} as email_lower,
        {{ clean_text('party.name') }} as party_name,
        {{ clean_text('party.title') }} as title,
        party.affiliation as affiliation,
        coalesce(party.affiliation = 'External', false) as is_external,
        party.userId as user_id,
        party.speakerId as speaker_id,
        list_filter(crm_objects, lambda o: o.objectType = 'Contact')[1].objectId as contact_id,
        list_filter(crm_objects, lambda o: o.objectType = 'User')[1].objectId as salesforce_user_id
    from parties_with_crm_objects
)

select
    call_id,
    party_id,
    email,
    email_lower,
    party_name,
    title,
    affiliation,
    is_external,
    user_id,
    speaker_id,
    contact_id,
    salesforce_user_id,
    _loaded_at
from parties_flat
qualify row_number() over (partition by call_id, party_id order by party_position) = 1
