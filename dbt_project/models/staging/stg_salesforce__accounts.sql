-- One row per Salesforce account that is not soft-deleted.
with live_accounts as (
    select *
    from {{ source('raw', 'account') }}
    where {{ is_not_soft_deleted() }}
)

select
    id as account_id,
    {{ clean_text('name') }} as account_name,
    {{ clean_id('owner_id') }} as owner_id,
    {{ clean_text('industry') }} as industry,
    annual_revenue,
    number_of_employees,
    {{ clean_text('billing_country') }} as billing_country,
    {{ clean_text('type') }} as account_type,
    created_date as created_at,
    cast(created_date as date) as created_date
from live_accounts
