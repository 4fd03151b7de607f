-- One row per seller (a user whose sales role is AE, AM, CSM or SDR): who they are, whom they
-- report to, where they sell and in which zone and currency their figures are. Every mart
-- that carries rep_id joins to it (marts contract, "sellers").
select
    users.user_id as rep_id,
    users.user_name as rep_name,
    stg_users.email,
    users.role,
    -- 'field' (the configured role field) or 'pattern' (a UserRole name pattern)
    case users.role_source when 'role_field' then 'field' when 'user_role' then 'pattern' end as role_source,
    users.manager_id,
    users.manager_name,
    users.slm_id,
    users.slm_name,
    users.region,
    users.time_zone,
    corporate.corporate_iso_code as currency,
    users.is_active
from {{ ref('int_users') }} as users
inner join {{ ref('stg_salesforce__users') }} as stg_users on users.user_id = stg_users.user_id
cross join {{ ref('int_corporate_currency') }} as corporate
where users.is_seller
