-- One row per (non-deleted) Salesforce user with the sales role, the resolved manager and
-- second-line manager, the matching Gong user and the seller's team.
{%- set sales_roles = ['AE', 'AM', 'CSM', 'SDR', 'MANAGER'] %}
{%- set role_patterns = var('role_patterns') %}
with users as (
    select * from {{ ref('stg_salesforce__users') }}
),

user_roles as (
    select * from {{ ref('stg_salesforce__user_roles') }}
),

-- Gong user of each email. Should two Gong users share an email, the active one, then the
-- smallest id, is kept so the match stays one-to-one.
gong_users_by_email as (
    select gong_user_id, email_lower, manager_id as gong_manager_id
    from {{ ref('stg_gong__users') }}
    where email_lower is not null
    qualify row_number() over (
        partition by email_lower order by is_active desc nulls last, gong_user_id
    ) = 1
),

gong_users as (
    select gong_user_id, email_lower from {{ ref('stg_gong__users') }}
),

-- Salesforce user of each email (int_users_by_email: active first, then smallest id).
salesforce_users_by_email as (
    select user_id, email_lower from {{ ref('int_users_by_email') }}
),

-- Role: the configured role field when it holds a known role (any case), else the first
-- role pattern (regex, case-insensitive, in configured order) matching UserRole.Name.
users_with_role as (
    select
        users.*,
        user_roles.user_role_name,
        case
            when upper(users.sales_role_field) in ('{{ sales_roles | join("', '") }}')
                then upper(users.sales_role_field)
            {%- for p in role_patterns %}
            when regexp_matches(user_roles.user_role_name, '{{ p.pattern | replace("'", "''") }}', 'i')
                then '{{ p.role | upper }}'
            {%- endfor %}
        end as role,
        case
            when upper(users.sales_role_field) in ('{{ sales_roles | join("', '") }}')
                then 'role_field'
            {%- for p in role_patterns %}
            when regexp_matches(user_roles.user_role_name, '{{ p.pattern | replace("'", "''") }}', 'i')
                then 'user_role'
            {%- endfor %}
        end as role_source
    from users
    left join user_roles on users.user_role_id = user_roles.user_role_id
),

-- Manager by Gong: the user's Gong user -> its managerId -> that Gong user's email -> the
-- Salesforce user with that email.
gong_manager as (
    select
        users.user_id,
        users_gong.gong_user_id,
        manager_sf.user_id as gong_manager_user_id
    from users
    left join gong_users_by_email as users_gong
        on users.email_lower = users_gong.email_lower
    left join gong_users as manager_gong
        on users_gong.gong_manager_id = manager_gong.gong_user_id
    left join salesforce_users_by_email as manager_sf
        on manager_gong.email_lower = manager_sf.email_lower
),

users_with_manager as (
    select
        users_with_role.*,
        gong_manager.gong_user_id,
        coalesce(users_with_role.manager_id, gong_manager.gong_manager_user_id) as resolved_manager_id,
        case
            when users_with_role.manager_id is not null then 'salesforce'
            when gong_manager.gong_manager_user_id is not null then 'gong'
        end as manager_source
    from users_with_role
    left join gong_manager on users_with_role.user_id = gong_manager.user_id
),

-- The zone names DuckDB knows (ICU), matched case-insensitively.
known_time_zones as (
    select name as time_zone, lower(name) as time_zone_lower
    from pg_timezone_names()
),

-- The Organization's zone, else the default (int_fallback_time_zone).
fallback_zone as (
    select time_zone, time_zone_source from {{ ref('int_fallback_time_zone') }}
)

select
    u.user_id,
    u.user_name,
    u.email_lower,
    u.is_active,
    u.role,
    u.role_source,
    coalesce(u.role in ('AE', 'AM', 'CSM', 'SDR'), false) as is_seller,
    u.resolved_manager_id as manager_id,
    u.manager_source,
    manager.user_name as manager_name,
    -- SLM: the manager's own manager, resolved the same way (Salesforce, else Gong).
    manager.resolved_manager_id as slm_id,
    slm.user_name as slm_name,
    u.gong_user_id,
    case
        when u.role in ('AE', 'AM', 'CSM', 'SDR')
            then coalesce(u.resolved_manager_id, 'none') || '|' || u.role
    end as team_id,
    u.title,
    u.user_role_name,
    u.sales_role_field,
    -- Region (marts.sellers): the configured User field, else the text after the first ' - '
    -- of the UserRole name ('Account Executive - West' -> 'West'); null otherwise.
    coalesce(
        u.region_field,
        case when strpos(u.user_role_name, ' - ') > 0
            then nullif(trim(substr(u.user_role_name, strpos(u.user_role_name, ' - ') + 3)), '') end
    ) as region,
    -- Local time (landing-zone contract): User.TimeZoneSidKey, else the latest
    -- Organization's, else var default_time_zone; a name DuckDB's zone database does not
    -- know falls through to the next (macros/time_zone_helpers.sql).
    u.time_zone_sid_key,
    coalesce(user_zone.time_zone, fallback_zone.time_zone) as time_zone,
    case
        when user_zone.time_zone is not null then 'user'
        else fallback_zone.time_zone_source
    end as time_zone_source
from users_with_manager as u
left join known_time_zones as user_zone on lower(u.time_zone_sid_key) = user_zone.time_zone_lower
cross join fallback_zone
left join users_with_manager as manager on u.resolved_manager_id = manager.user_id
left join users as slm on manager.resolved_manager_id = slm.user_id
