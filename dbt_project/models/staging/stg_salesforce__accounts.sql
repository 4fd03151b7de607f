-- One row per Salesforce account that is not soft-deleted. The segment and CSM fields are
-- org-specific: vars segment_field and csm_field name the raw columns read.
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
    {{ clean_text(adapter.quote(var('segment_field'))) }} as segment_field_value,
    {{ clean_id(adapter.quote(var('csm_field'))) }} as csm_field_id,
    created_date as created_at,
    cast(created_date as date) as created_date
from live_accounts
