-- One row per Salesforce user that is not soft-deleted.
-- The configured role field (var role_field) is read under a fixed name, sales_role_field;
-- turning it into AE/AM/CSM/SDR/MANAGER (with the UserRole fallback) happens downstream.
-- The configured region field (var region_field) is read the same way, as region_field.
with live_users as (
    select *
    from {{ source('raw', 'user') }}
    where {{ is_not_soft_deleted() }}
)

select
    id as user_id,
    {{ clean_text('name') }} as user_name,
    {{ clean_text('email') }} as email,
    {{ email_lower('email') }} as email_lower,
    is_active,
    {{ clean_id('manager_id') }} as manager_id,
    {{ clean_id('user_role_id') }} as user_role_id,
    {{ clean_text('title') }} as title,
    {{ clean_text('department') }} as department,
    {{ clean_text(adapter.quote(var('role_field'))) }} as sales_role_field,
    -- The configured region field (var region_field, default Region__c).
    {{ clean_text(adapter.quote(var('region_field'))) }} as region_field,
    -- As delivered (trimmed, blank -> null): whether DuckDB knows the zone is decided in
    -- int_users (time_zone).
    {{ clean_text('time_zone_sid_key') }} as time_zone_sid_key,
    {{ clean_text('default_currency_iso_code') }} as default_currency_iso_code,
    created_date as created_at,
    cast(created_date as date) as created_date,
    last_modified_date as last_modified_at,
    -- When the loader wrote the record (int_activities rebuilds what a change touches).
    _loaded_at
from live_users
