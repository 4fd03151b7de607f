-- One row per onboarding milestone of an account (cs/onboarding*), keyed by (account_id,
-- milestone) as in raw. completed_date is null while the milestone is open.
select
    {{ clean_id('account_id') }} as account_id,
    {{ clean_text('milestone') }} as milestone,
    due_date,
    completed_date,
    ttv_target_days,
    go_live_date,
    kickoff_date
from {{ source('raw', 'cs_onboarding') }}
