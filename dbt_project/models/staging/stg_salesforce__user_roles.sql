-- One row per Salesforce role (UserRole) that is not soft-deleted.
with live_roles as (
    select *
    from {{ source('raw', 'user_role') }}
    where {{ is_not_soft_deleted() }}
)

select
    id as user_role_id,
    {{ clean_text('name') }} as user_role_name,
    {{ clean_id('parent_role_id') }} as parent_role_id
from live_roles
