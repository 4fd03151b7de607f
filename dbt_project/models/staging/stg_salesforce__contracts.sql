-- One row per Salesforce Contract that is not soft-deleted. EndDate drives renewal timing
-- (a renewal opened fewer than roles.renewal_late_days before it was opened late).
with live_contracts as (
    select *
    from {{ source('raw', 'contract') }}
    where {{ is_not_soft_deleted() }}
)

select
    id as contract_id,
    {{ clean_id('account_id') }} as account_id,
    {{ clean_id('owner_id') }} as owner_id,
    start_date,
    end_date,
    {{ clean_text('status') }} as status,
    contract_term as contract_term_months,
    created_date as created_at
from live_contracts
