-- One row per Salesforce contact that is not soft-deleted.
-- Incremental: only the raw rows loaded since the last build; the post-hook drops records
-- soft-deleted since (macros/incremental_helpers.sql).
{{
    config(
        materialized='incremental',
        unique_key='contact_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=["{{ delete_soft_deleted('contact', 'contact_id') }}"]
    )
}}

with live_contacts as (
    select *
    from {{ source('raw', 'contact') }}
    where {{ is_not_soft_deleted() }}
      and {{ loaded_since_last_build() }}
),

cleaned as (
    select
        id as contact_id,
        {{ clean_id('account_id') }} as account_id,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text('name') }} as delivered_name,
        {{ clean_text('title') }} as title,
        {{ clean_text('email') }} as email,
        {{ email_lower('email') }} as email_lower,
        created_date as created_at,
        _loaded_at
    from live_contacts
)

select
    contact_id,
    account_id,
    first_name,
    last_name,
    -- Name is optional in the contract: fall back to "First Last" when it is missing.
    coalesce(delivered_name, nullif(concat_ws(' ', first_name, last_name), '')) as contact_name,
    title,
    email,
    email_lower,
    created_at,
    _loaded_at
from cleaned
