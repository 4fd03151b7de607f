-- One row per CRM user, sellers and the people they report to alike: the workbench signs
-- people in by email (workbench contract, "Identity") and a manager or second-line manager
-- is no seller, so marts.sellers alone cannot name them.
select
    users.user_id,
    users.user_name,
    stg_users.email,
    case when users.is_seller then users.role end as role,
    users.is_seller,
    users.manager_id,
    users.is_active
from {{ ref('int_users') }} as users
inner join {{ ref('stg_salesforce__users') }} as stg_users on users.user_id = stg_users.user_id
