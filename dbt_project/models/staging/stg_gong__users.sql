-- One row per Gong user (GET /v2/users). Gong ids stay text.
with gong_users as (
    select * from {{ source('raw', 'gong_users') }}
)

select
    id as gong_user_id,
    {{ clean_text('email_address') }} as email,
    {{ email_lower('email_address') }} as email_lower,
    {{ clean_text('first_name') }} as first_name,
    {{ clean_text('last_name') }} as last_name,
    nullif(concat_ws(' ', {{ clean_text('first_name') }}, {{ clean_text('last_name') }}), '') as user_name,
    {{ clean_id('manager_id') }} as manager_id,
    {{ clean_text('title') }} as title,
    active as is_active,
    created as created_at
from gong_users
